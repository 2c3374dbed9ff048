"""The deadline-day mix for locust, started by ``bench/deadline.py`` (not on its own).

Every simulated user logs in through the form, keeps its session cookie, and then acts as its role
does on the last day. ``DEADLINE_PLAN`` names a JSON file with the accounts and the ids each role
works on; when locust stops, every request's timing and what the server acknowledged (saves,
submissions, uploads) go to ``DEADLINE_RESULTS`` for ``bench/deadline.py`` to report and check.

A request counts as an error when its status is not the expected one (and, for a redirect, when it
does not go where success goes). A rule refusing an action (the portal redirects to ``/`` with a
message, since no Referer is sent; a return shows its form again with 422) is counted as *refused*: an error for saves and submissions, an
expected outcome for adding to a full list or acting on an application the other session of the
same recommender already took.
"""

import itertools
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlencode

from locust import FastHttpUser, constant, events, task

PLAN = json.loads(open(os.environ["DEADLINE_PLAN"], encoding="utf-8").read())
THINK = PLAN["think"]
RECORDS: list[tuple] = []  # (kind, start, ms, ok, refused, what went wrong)
ACKS: dict[str, list] = {"saves": [], "submissions": [], "uploads": []}
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*? value="(\d+)"')
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_enterprises = iter(PLAN["enterprises"])
_recommender_slots = itertools.count()
_reviewer_slots = itertools.count()


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # the users think after each response (``call``), not between tasks
    connection_timeout = 60
    network_timeout = 120

    def call(
        self, kind, method, path, expect=200, location=None, refusable=False, refusal_status=None, check=None, **kwargs
    ):
        """One request: ``(acknowledged, HTML body, refused)``. ``location``: where a successful redirect goes."""
        started = time.time()
        with self.client.request(
            method, path, name=kind, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            elapsed = (time.time() - started) * 1000
            status = response.status_code
            target = response.headers.get("Location", "") if response.headers else ""
            target = re.sub(r"^https?://[^/]+", "", target)
            # A rule said no: the portal sends the user back (to /, no Referer being sent), or shows the form
            # again with the message (``refusal_status``).
            refused = (status == 302 and target == "/") or (refusal_status is not None and status == refusal_status)
            ok = (refused and refusable) or (
                not refused
                and status == expect
                and (location is None or target.startswith(location))
                and (check is None or check(response))
            )
            if ok:
                response.success()
            else:
                response.failure(f"{status} {target}")
            RECORDS.append((kind, started, elapsed, ok, refused, "" if ok else f"{method} {path}: {status} {target}"))
            try:
                text = (
                    response.text or ""
                    if ok and status == 200 and "html" in response.headers.get("Content-Type", "")
                    else ""
                )
            except Exception:  # noqa: BLE001 - a body that cannot be read is an error already counted
                text = ""
        if THINK[1] > 0:
            time.sleep(random.uniform(*THINK))  # gevent's: the other users go on meanwhile
        return ok, text, refused

    def token(self, path, kind):
        ok, body, _ = self.call(kind, "GET", path)
        found = CSRF.search(body) if ok else None
        return (found.group(1) if found else None), body

    def log_in(self, username):
        self.client.cookiejar.clear()
        token, _ = self.token("/account/login", "login form (GET)")
        if token is None:
            return False
        ok, _, _ = self.call(
            "login (POST)",
            "POST",
            "/account/login",
            expect=302,
            data=urlencode({"csrf_token": token, "username": username, "password": PLAN["password"]}),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return ok

    def post(self, kind, path, fields, location, refusable=False, **kwargs):
        return self.call(
            kind,
            "POST",
            path,
            expect=302,
            location=location,
            refusable=refusable,
            data=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kwargs,
        )


class Enterprise(PortalUser):
    """An enterprise finishing its draft: reads and saves two sections, uploads its 营业执照, submits."""

    weight = PLAN["weights"]["enterprise"]

    @task
    def finish_one_application(self):
        account = next(_enterprises, None)
        if account is None:  # every prepared draft is submitted: keep reading a section
            self.call("enterprise: section form", "GET", "/application/section/basic")
            return
        if not self.log_in(account["username"]):
            return
        self.call("enterprise: overview", "GET", "/application/")
        for key, values in (("basic", PLAN["basic"]), ("metrology", PLAN["metrology"])):
            token, body = self.token(f"/application/section/{key}", "enterprise: section form")
            version = VERSION.search(body)
            if token is None or version is None:
                return
            sent = dict(values)
            if key == "basic":
                sent["main_products"] = f"压力变送器 {uuid.uuid4().hex[:12]}"
            else:
                sent["instrument_count"] = str(random.randint(100, 99999))
            field = "main_products" if key == "basic" else "instrument_count"
            ok, _, _ = self.post(
                "enterprise: save section (POST)",
                f"/application/section/{key}",
                {"csrf_token": token, "version": version.group(1), **sent, "save": ""},
                location=f"/application/section/{key}",
            )
            if ok:
                ACKS["saves"].append([account["application_id"], field, sent[field]])
        token, _ = self.token("/application/attachments", "enterprise: attachments page")
        if token is None:
            return
        name = f"营业执照-{uuid.uuid4().hex[:8]}.pdf"
        body, content_type = _multipart(
            {"csrf_token": token, "kind": "business_licence", "description": "基准上传"}, "file", name, PDF
        )
        ok, _, _ = self.call(
            "enterprise: upload file (POST)",
            "POST",
            "/application/attachments",
            expect=302,
            location="/application/attachments",
            data=body,
            headers={"Content-Type": content_type},
        )
        if ok:
            ACKS["uploads"].append([account["application_id"], name])
            # The file back, through whichever server answers this time: the upload folder is shared.
            _, page, _ = self.call("enterprise: attachments page", "GET", "/application/attachments")
            links = re.findall(r'href="/files/(\d+)"', page)
            if links:
                self.call(
                    "enterprise: download own file",
                    "GET",
                    f"/files/{max(links, key=int)}",
                    check=lambda response: response.content == PDF,
                )
        self.call("enterprise: section form", "GET", "/application/section/narrative")
        token, _ = self.token("/application/", "enterprise: overview")
        if token is None:
            return
        ok, _, _ = self.post(
            "enterprise: submit (POST)", "/application/submit", {"csrf_token": token}, location="/application/status"
        )
        if ok:
            ACKS["submissions"].append(account["application_id"])
        self.call("enterprise: status page", "GET", "/application/status")


class Recommender(PortalUser):
    """A recommender's office (two sessions per account): inbox, reviews, accept / return, ranking, 附件2."""

    weight = PLAN["weights"]["recommender"]

    def on_start(self):
        slot = next(_recommender_slots)
        self.org = PLAN["recommenders"][(slot // 2) % len(PLAN["recommenders"])]
        self.submitted = list(self.org["submitted"])
        random.Random(slot).shuffle(self.submitted)
        self.accepted = list(self.org["accepted"])
        self.logged_in = self.log_in(self.org["username"])

    @task(6)
    def inbox(self):
        self.call("recommender: inbox", "GET", "/recommender/")
        self.call("recommender: inbox filtered", "GET", "/recommender/?" + urlencode(random.choice(INBOX_FILTERS)))

    @task(4)
    def review_and_act(self):
        if not self.submitted:
            self.call("recommender: review page", "GET", f"/recommender/applications/{random.choice(self.accepted)}")
            return
        application_id = self.submitted.pop()
        token, _ = self.token(f"/recommender/applications/{application_id}", "recommender: review page")
        if token is None:
            return
        if random.random() < 0.75:
            ok, _, refused = self.post(
                "recommender: accept (POST)",
                f"/recommender/applications/{application_id}/accept",
                {"csrf_token": token},
                location=f"/recommender/applications/{application_id}",
                refusable=True,
            )
            if ok and not refused:
                self.accepted.append(application_id)
        else:
            self.post(
                "recommender: return (POST)",
                f"/recommender/applications/{application_id}/return",
                {"csrf_token": token, "reason": "请补充近三年计量器具检定校准记录及典型做法的佐证材料。"},
                location="/recommender/",
                refusable=True,  # the other session took it meanwhile: the form comes back with the reason
                refusal_status=422,
            )

    @task(3)
    def rank(self):
        token, body = self.token("/recommender/ranking", "recommender: ranking page")
        if token is None:
            return
        ranked = set(re.findall(r'data-application-id="(\d+)"', body))
        candidates = [a for a in self.accepted if str(a) not in ranked]
        if candidates and random.random() < 0.6:
            application_id = random.choice(candidates)
            self.post(
                "recommender: add to ranking (POST)",
                f"/recommender/ranking/{application_id}/add",
                {"csrf_token": token},
                location="/recommender/ranking",
                refusable=True,  # the list is full: the quota refuses, as it should
            )
            return
        for scale, items in re.findall(r'data-reorder="reorder-(\w+)"(.*?)</ol>', body, re.S):
            order = re.findall(r'data-application-id="(\d+)"', items)
            random.shuffle(order)
            self.post(
                "recommender: reorder (POST)",
                "/recommender/ranking/order",
                {"csrf_token": token, "scale": scale, "order": ",".join(order)},
                location="/recommender/ranking",
                refusable=True,  # the other session changed the list meanwhile
            )
            return

    @task(1)
    def summary_sheet(self):
        self.call("recommender: 附件2 download", "GET", "/recommender/ranking/summary.xlsx")


INBOX_FILTERS = [{"status": "submitted"}, {"status": "accepted"}, {"scale": "large"}, {"q": "基准企业"}]


class Reviewer(PortalUser):
    """The ministry's reviewers: the candidates list, filtered, sorted and paged, and candidates' pages."""

    weight = PLAN["weights"]["reviewer"]

    def on_start(self):
        self.logged_in = self.log_in(PLAN["reviewers"][next(_reviewer_slots) % len(PLAN["reviewers"])])

    @task(3)
    def candidates(self):
        self.call("reviewer: candidates", "GET", "/review/candidates")

    @task(3)
    def filtered(self):
        query = dict(random.choice(CANDIDATE_FILTERS))
        query["page"] = random.randint(1, 5)
        self.call("reviewer: candidates filtered", "GET", "/review/candidates?" + urlencode(query))

    @task(1)
    def by_score(self):
        """Sorted by the experts' mean: the mean of every candidate is computed to sort them (the slow one)."""
        self.call("reviewer: candidates by score", "GET", "/review/candidates?sort=score")

    @task(3)
    def candidate(self):
        self.call("reviewer: candidate page", "GET", f"/review/candidates/{random.choice(PLAN['candidates'])}")


CANDIDATE_FILTERS = [
    {"scale": "large"},
    {"scale": "sme", "sort": "name"},
    {"region": "广东省"},
    {"decision": "none"},
    {"q": "基准企业0"},
    {"sort": "region"},
]


class Exporter(PortalUser):
    """One reviewer who downloads the national workbook once, ``export_at`` seconds into the run."""

    fixed_count = 1
    wait_time = constant(3600)

    def on_start(self):
        self.log_in(PLAN["reviewers"][0])
        self.done = False

    @task
    def export(self):
        if self.done:
            return
        self.done = True
        time.sleep(max(PLAN["export_at"] - (time.time() - PLAN["started"]), 0))
        started = time.time()
        with self.client.request(
            "GET", PLAN["export_path"], name="reviewer: national workbook", catch_response=True
        ) as response:
            ok = response.status_code == 200 and response.content[:2] == b"PK"
            ACKS["export"] = {"start": started, "end": time.time(), "bytes": len(response.content or b""), "ok": ok}
            RECORDS.append(
                (
                    "reviewer: national workbook",
                    started,
                    (time.time() - started) * 1000,
                    ok,
                    False,
                    str(response.status_code),
                )
            )
            response.success() if ok else response.failure(str(response.status_code))


def _multipart(fields: dict, file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    with open(os.environ["DEADLINE_RESULTS"], "w", encoding="utf-8") as out:
        json.dump({"records": RECORDS, "acks": ACKS}, out, ensure_ascii=False)
