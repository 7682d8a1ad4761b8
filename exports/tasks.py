"""Background tasks, run by `manage.py db_worker` (django-tasks-db)."""

from django_tasks import task

from exports.jobs import export_job_run


@task()
def build_export(job_id: int) -> dict:
    """Build a bulk export's ZIP. The job row carries its progress and outcome."""
    job = export_job_run(job_id=job_id)
    if job is None:
        return {"job": job_id, "ran": False}
    return {"job": job.pk, "ran": True, "count": job.done, "file": job.file.name}
