"""Drive the wizard through the test client, page by page, as a browser would."""

import datetime

from decisions.forms import STEP_FORMS


def post_data_for(step_id: str, answers: dict) -> dict:
    """The form data a person would submit on this page to give these answers."""
    data = {}
    for key in STEP_FORMS[step_id].base_fields:
        if key not in answers:
            continue
        value = answers[key]
        if key == "review_date":
            day = datetime.date.fromisoformat(value)
            data.update({f"{key}_0": day.day, f"{key}_1": day.month, f"{key}_2": day.year})
        else:
            data[key] = value
    return data


def walk(client, start_url: str, answers: dict, max_pages: int = 30) -> tuple[str, list[str]]:
    """Answer each page the wizard shows until the check page; return its URL and the pages."""
    url = start_url
    pages = []
    for _ in range(max_pages):
        if url.endswith("/check/"):
            return url, pages
        step_id = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        pages.append(step_id)
        response = client.post(url, post_data_for(step_id, answers))
        assert response.status_code == 302, (
            f"{step_id} did not accept the answers: "
            f"{response.context['form'].errors if response.context else response}"
        )
        url = response.url
    raise AssertionError(f"no check page after {max_pages} pages: {pages}")
