"""Admin for the rate-limit budget: the list of budgets, and per company a page with the windows'
state, what each lane and each flow is using, who is waiting, and calls per hour over 30 days
(a chart, and the same figures as CSV to attach to a rate-limit increase request).

The rows are the budget's own bookkeeping: admin shows them and never edits them.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from . import clock, report
from .budget import hour_start
from .chart import hourly_chart
from .models import Budget, Flow, HourlyUsage


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["company", "app", "window", "hour", "calls_24h", "failed_24h", "waiting"]
    search_fields = ["key", "company_name", "company_id"]
    ordering = ["company_name", "company_id", "client_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Budget | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "company/<str:company_id>/",
                self.admin_site.admin_view(self.company_view),
                name="throttle_budget_company",
            ),
            path(
                "company/<str:company_id>/usage.csv",
                self.admin_site.admin_view(self.usage_csv_view),
                name="throttle_budget_usage_csv",
            ),
        ]
        return own + super().get_urls()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Budget]:
        now = clock.now()
        since = hour_start(now) - timedelta(hours=23)
        recent = HourlyUsage.objects.filter(budget=OuterRef("pk"), hour__gte=since).values("budget")
        waiting = Flow.objects.filter(budget=OuterRef("pk"), wanting_until__gt=now).values("budget")
        return (
            super()
            .get_queryset(request)
            .annotate(
                calls_recent=Subquery(recent.annotate(n=Sum("calls")).values("n")),
                failed_recent=Subquery(recent.annotate(n=Sum("failed")).values("n")),
                flows_waiting=Subquery(waiting.annotate(n=Count("pk")).values("n")),
            )
        )

    @admin.display(description="Company")
    def company(self, obj: Budget) -> str:
        if not obj.company_id:
            return "(no company: /me and the company list)"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:throttle_budget_company", args=[obj.company_id]),
            f"{obj.company_name} ({obj.company_id})" if obj.company_name else obj.company_id,
        )

    @admin.display(description="App")
    def app(self, obj: Budget) -> str:
        return obj.client_id

    @admin.display(description="Reported window")
    def window(self, obj: Budget) -> str:
        if not obj.limit:
            return "no limit reported yet"
        used = obj.sent if obj.reset_at > clock.now() else 0
        length = "hour" if obj.window_seconds >= 3600 else "10 s"
        return f"{used} of {obj.limit} ({length})"

    @admin.display(description="Hourly limit")
    def hour(self, obj: Budget) -> str:
        return f"{obj.hour_limit:,}" if obj.hour_limit else "not reported yet"

    @admin.display(description="Calls, 24 h")
    def calls_24h(self, obj: Budget) -> int:
        return getattr(obj, "calls_recent", None) or 0

    @admin.display(description="Failed (4xx), 24 h")
    def failed_24h(self, obj: Budget) -> int:
        return getattr(obj, "failed_recent", None) or 0

    @admin.display(description="Flows waiting")
    def waiting(self, obj: Budget) -> int:
        return getattr(obj, "flows_waiting", None) or 0

    def company_view(self, request: HttpRequest, company_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        budgets = report.company_budgets(company_id)
        if not budgets:
            raise Http404("No rate-limit budget for this company.")
        name = next((b.budget.company_name for b in budgets if b.budget.company_name), "") or f"Company {company_id}"
        points = report.hourly_series(company_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{name}: Procore rate-limit budget",
            "company_id": company_id,
            "company_name": name,
            "budgets": budgets,
            "chart": hourly_chart(points, title=f"{name}: Procore calls per hour, last {report.CHART_DAYS} days"),
            "days": report.CHART_DAYS,
            "totals": {
                "calls": sum(p.calls for p in points),
                "failed": sum(p.failed for p in points),
                "rate_limited": sum(p.rate_limited for p in points),
                "busiest": max(points, key=lambda p: p.calls),
                "hour_limits": sorted({p.hour_limit for p in points if p.hour_limit}),
            },
            "spike_hourly": [report.spike_ceiling_per_hour(b.budget) for b in budgets],
        }
        return TemplateResponse(request, "admin/throttle/budget/company.html", context)

    def usage_csv_view(self, request: HttpRequest, company_id: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not Budget.objects.filter(company_id=company_id).exists():
            raise Http404("No rate-limit budget for this company.")
        response = HttpResponse(report.usage_csv(report.hourly_series(company_id)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="procore-calls-per-hour-{company_id}.csv"'
        return response
