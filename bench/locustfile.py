"""The mixed load of `make bench` (bench/load.py runs it headless against gunicorn).

Practitioners sign in and walk the wizard to a decision and submit it (half need a manager's
approval); the manager of their team approves those (never their own); the auditor searches
and opens a record's PDF. Every answer is checked: an unexpected status, a redirect to the
sign-in page or a page that refused a form is a failure. The answers for each wizard page come
from BENCH_LOAD_PLAN, a JSON file bench/load.py writes with tests.decisions.walk.post_data_for
(this process has no Django).
"""

import collections
import itertools
import json
import os
import random
import re
import time

from locust import HttpUser, constant, events, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115
PASSWORD = PLAN["password"]
PRACTITIONERS = itertools.cycle(PLAN["practitioners"])
# References submitted for approval, for the manager (locust users share this process).
AWAITING = collections.deque(maxlen=1000)
_walks = itertools.count(1)
_REFERENCE = re.compile(r'href="/records/([A-Z]+-\d+-\d+)/"')
_ROUND = re.compile(r'name="round" value="(\d+)"')
# Each failure with when its request started, for the fault section to place in time.
_FAILURE_LOG = os.environ.get("BENCH_LOAD_FAILURE_LOG")


@events.request.add_listener
def _log_failure(request_type, name, response_time, exception, **kwargs):
    if exception is not None and _FAILURE_LOG:
        started = time.time() - (response_time or 0) / 1000
        with open(_FAILURE_LOG, "a") as log:
            log.write(json.dumps({"started": started, "name": name, "error": str(exception)}))
            log.write("\n")


class Person(HttpUser):
    abstract = True
    wait_time = constant(0)
    username = ""

    def on_start(self):
        self.sign_in()

    def csrf(self) -> dict:
        return {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}

    def get(self, path, name, *, expect=200, check=None):
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
            return self._judge(r, expect, check)

    def post(self, path, data, name, *, expect=302):
        with self.client.post(
            path,
            data=data,
            headers=self.csrf(),
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            return self._judge(response, expect, None)

    @staticmethod
    def _judge(response, expect, check):
        location = response.headers.get("Location", "")
        if response.status_code != expect:
            response.failure(f"{response.status_code}, expected {expect} {location}")
            return None
        if "/accounts/login/" in location:
            response.failure("sent to the sign-in page")
            return None
        if check and not check(response):
            response.failure("unexpected content")
            return None
        response.success()
        return response

    def sign_in(self):
        self.client.cookies.clear()
        self.get("/accounts/login/", "sign in (page)")
        response = self.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD},
            "sign in (POST)",
        )
        return response is not None and response.headers["Location"] == "/"


class Practitioner(Person):
    weight = 4

    def on_start(self):
        self.username = next(PRACTITIONERS)
        super().on_start()

    @task
    def decide(self):
        number = next(_walks)
        outcome = PLAN["outcomes"][number % len(PLAN["outcomes"])]
        steps = PLAN["steps"][outcome]
        self.get("/", "home")
        response = self.post("/decisions/new/", {}, "wizard: start")
        if response is None:
            return
        url = response.headers["Location"]
        for _ in range(40):
            if url.endswith("/check/"):
                break
            step_id = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            data = dict(steps.get(step_id, {}))
            if "subject_reference" in data:  # a case of its own: no long history to list
                data["subject_reference"] = f"DEMO-L-{number:06d}"
            self.get(url, "wizard: question page")
            response = self.post(url, data, "wizard: answer (POST)")
            if response is None:
                return
            url = response.headers["Location"]
        else:
            return
        self.get(url, "wizard: check page")
        response = self.post(url, {}, "wizard: submit")
        if response is None:
            return
        confirmation = response.headers["Location"]
        self.get(confirmation, "wizard: confirmation")
        reference = confirmation.rstrip("/").split("/")[-2]
        if outcome in PLAN["needs_approval"]:
            AWAITING.append(reference)
        self.get(f"/records/{reference}/", "record page")


class Manager(Person):
    weight = 1
    username = PLAN["manager"]

    @task
    def approve(self):
        try:
            reference = AWAITING.popleft()
        except IndexError:
            self.get("/approvals/", "approvals queue")
            return
        path = f"/approvals/{reference}/"
        page = self.get(path, "approval page")
        if page is None:
            return
        found = _ROUND.search(page.text)
        data = {"kind": "approved", "comment": "", "round": found.group(1) if found else ""}
        self.post(path, data, "approve (POST)")


class Auditor(Person):
    weight = 1
    username = PLAN["auditor"]

    @task
    def search_and_open_a_pdf(self):
        term = random.choice(PLAN["search_terms"])
        page = self.get(f"/records/?q={term}", "search")
        if page is None:
            return
        references = _REFERENCE.findall(page.text)
        if not references:
            return
        self.get(
            f"/records/{random.choice(references)}/pdf/",
            "record PDF",
            check=lambda response: response.content[:5] == b"%PDF-",
        )
