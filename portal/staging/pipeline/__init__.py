"""The submit pipeline: a staged batch becomes Procore Document Management revisions
(procore-api.md §7.1's eight steps; configuration, steps 1–3, is already in the mirror).

Plain functions, one module per step, run in order by `runner.run_submission` inside one
django-q2 task per batch:

1. `create`   — PDM document uploads, 100 a request (non-idempotent: "create requested" is
               recorded before the POST, the ids after it);
2. `send`     — each file through the unified upload API v2.1, several files at once;
3. `complete` — metadata, `file_upload_id` and `upload_status: COMPLETED`, 100 a PATCH;
4. `settle`   — wait for ML / filename scraping (bounded, §7.12) and read `latest_event_id`
               in bulk with `selected_uploads`;
5. `submit`   — revisions, 100 a request, each documented failure handled; a submit whose
               answer was lost is recovered without duplicates (`recover`);
then `landing` brings the new revisions into the mirror and marks documents landed. A batch of
more than 100 documents goes in overlapping waves of 100 (`runner.run_in_waves`).

Every document's step is a database row (`StagedDocument.step` and the ids it holds), so a
worker that dies is replaced by another that resumes where the rows say.
"""
