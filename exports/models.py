import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

# A queued job no worker has taken, or a running one with no progress, for this long: say so.
STALLED_AFTER = datetime.timedelta(minutes=2)


class ExportJob(models.Model):
    """A bulk export built in the background: one PDF per record of a search, in a ZIP.

    The search is kept as the query string the list was showing and run again by the worker
    with the requester's own visibility, so the ZIP holds what they could see when it ran.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The search's query string, as /records/ had it (without the page number).
    query = models.TextField(blank=True)
    file = models.FileField(upload_to="exports/", blank=True, max_length=255)
    # The django-tasks result id of the task building it.
    task_id = models.CharField(max_length=64, blank=True)
    # When the worker last said how far it had got (a job that stops moving has stalled).
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="exportjob_created_desc")]

    def __str__(self):
        return f"Export {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Queued with no worker taking it, or running with no progress, for a while (a
        worker that is not running, or was stopped while building it)."""
        if self.status == self.Status.QUEUED:
            since = self.created_at
        elif self.status == self.Status.RUNNING:
            since = self.progress_at or self.started_at
        else:
            return False
        return since is not None and timezone.now() - since > STALLED_AFTER

    @property
    def status_tag_class(self) -> str:
        return _STATUS_TAGS[self.status]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)

    @property
    def download_name(self) -> str:
        return f"records-export-{self.pk}.zip"


_STATUS_TAGS = {
    ExportJob.Status.QUEUED: "govuk-tag--grey",
    ExportJob.Status.RUNNING: "govuk-tag--blue",
    ExportJob.Status.DONE: "govuk-tag--green",
    ExportJob.Status.FAILED: "govuk-tag--red",
}
