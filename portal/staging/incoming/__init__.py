"""Files arriving into batches: browsers send them in parts, straight to object storage (or,
on local-disk storage, to the portal), resumably; the worker hashes and records them."""
