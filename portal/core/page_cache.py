"""Render once per change: the content of the busiest pages, cached in Redis between changes.

A page's content (everything inside ``{% block content %}``: the candidates table, a recommender's
inbox, an enterprise's form) is stored with the *generations* of the data it was rendered from.
Every commit bumps the generations of what it changed, so the first request after a change finds
its entry out of date and renders anew. A request reads the generations first and loads the data
after, so a render that races a commit is labelled with the generation before that commit and is
never served after it.

The generations (see :func:`scopes_of`):

* ``settings``: campaigns, organisations, the rubric, and anything not named below. Every page reads it.
* ``lists``: the applications once submitted, and everything recommenders and reviewers do with them.
* ``enterprise:<id>``: one enterprise's applications and their parts, drafts included. An enterprise
  saving its draft bumps only this one, so the officials' lists stay cached on the busiest day.

Users, notifications, the audit log and the outbox bump nothing: no cached content shows them (the
navigation with the unread count and the logout form render on every request, outside the cache).
An entry is served for ``TTL`` seconds at most, which bounds how late a deadline passing, or the
next campaign opening, shows on a page.

Each page and owner (an organisation's inbox, an enterprise's section) keeps one Redis hash of at most
``VARIANTS`` renderings (query arguments): what a user can make the cache hold is bounded.
Without ``REDIS_URL`` nothing is cached: separate workers could not see each other's changes.
"""

import hashlib
import time
from collections.abc import Callable

from flask import current_app, has_app_context, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from redis import Redis, RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.core.extensions import db

TTL = 60
VARIANTS = 50
SETTINGS = "settings"
LISTS = "lists"
_TOKEN_PLACEHOLDER = "\x00csrf-token\x00"


def enterprise_scope(enterprise_id: int) -> str:
    return f"enterprise:{enterprise_id}"


class FragmentStore:
    """Generations (counters) and renderings (hashes of ``label|time\\nhtml``) in Redis, under one prefix."""

    def __init__(self, url: str, prefix: str):
        self._redis = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix

    def lookup(self, entry: str, variant: str, scopes: tuple[str, ...]) -> tuple[str, str | None]:
        """In one round trip: the scopes' generations as a label, and the rendering stored at that label, if fresh."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.mget([f"{self._prefix}gen:{scope}" for scope in scopes])
        pipe.hget(self._prefix + entry, variant)
        generations, stored = pipe.execute()
        label = ",".join(generation.decode() if generation else "0" for generation in generations)
        if stored is None:
            return label, None
        header, _, html = stored.decode().partition("\n")
        stored_label, _, stored_at = header.partition("|")
        fresh = stored_label == label and time.time() - float(stored_at) < TTL
        return label, html if fresh else None

    def store(self, entry: str, variant: str, label: str, html: str) -> None:
        key = self._prefix + entry
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(key, variant, f"{label}|{time.time()}\n{html}".encode())
        pipe.expire(key, TTL)
        pipe.hlen(key)
        if pipe.execute()[-1] > VARIANTS:
            self._redis.delete(key)

    def bump(self, scopes: set[str]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for scope in sorted(scopes):
            pipe.incr(f"{self._prefix}gen:{scope}")
        pipe.execute()


def init_page_cache(app) -> None:
    enabled = app.config["REDIS_URL"] and app.config["FRAGMENT_CACHE"]
    prefix = app.config["REDIS_KEY_PREFIX"] + "fragment:"
    app.extensions["fragments"] = FragmentStore(app.config["REDIS_URL"], prefix) if enabled else None


def _store() -> FragmentStore | None:
    return current_app.extensions.get("fragments") if has_app_context() else None


def render_page(template: str, owner: tuple, scopes: tuple[str, ...], content: Callable[[], dict], **page) -> str:
    """``render_template(template, **page, **content())``, with the content block cached.

    ``content`` loads what the content block shows, and runs on a miss only: the view must not load
    it before (it would predate the generations). ``page`` is what the rest of the page uses (the
    title and scripts blocks). ``owner`` holds what the content depends on besides the data of
    ``scopes`` and the request's arguments, such as the organisation whose inbox it is: whoever may
    see the page and has the same owner sees the same content. The CSRF token of forms in the content
    is stored as a placeholder and filled in per session.
    """
    store = _store()
    if store is not None and request.method == "GET":
        try:
            html = _cached_content(store, template, owner, (SETTINGS, *scopes), lambda: page | content())
            return render_template(template, content_html=Markup(html), **page)
        except RedisError:
            current_app.logger.warning("page cache unavailable, rendering in full", exc_info=True)
    return render_template(template, **(page | content()))


def _cached_content(
    store: FragmentStore, template: str, owner: tuple, scopes: tuple[str, ...], context: Callable[[], dict]
) -> str:
    entry = hashlib.sha256(repr((template, owner)).encode()).hexdigest()
    variant = hashlib.sha256(repr(sorted(request.args.items(multi=True))).encode()).hexdigest()
    token = generate_csrf()
    label, html = store.lookup(entry, variant, scopes)
    if html is not None:
        return html.replace(_TOKEN_PLACEHOLDER, token)
    db.session.expire_all()  # whatever the request loaded before reading the generations is reloaded
    html = render_template(template, render_content_only=True, **context())
    store.store(entry, variant, label, html.replace(token, _TOKEN_PLACEHOLDER))
    return html


# What a commit changed: collected at each flush, bumped once the transaction commits.

_SILENT_TABLES = {"user", "audit_entry", "notification", "outbox_message", "password_token"}
_LIST_MODULES = {"portal.recommendations.models", "portal.review.models"}


def scopes_of(session: Session, instance) -> set[str]:
    """The generations a change to ``instance`` makes stale."""
    from portal.applications.models import Application, ApplicationStatus

    if instance.__table__.name in _SILENT_TABLES:
        return set()
    if isinstance(instance, Application):
        application = instance
    else:
        # The loaded value only: a deleted row cannot load anything any more.
        application_id = inspect(instance).dict.get("application_id")
        if application_id is None:
            return {LISTS} if type(instance).__module__ in _LIST_MODULES else {SETTINGS}
        application = session.identity_map.get(identity_key(Application, application_id))
        if application is None:  # whose it is would take a query: make every page stale
            return {SETTINGS}
    statuses = {application.status, *inspect(application).attrs.status.history.deleted}
    scopes = {enterprise_scope(application.enterprise_id)}
    if statuses != {ApplicationStatus.DRAFT}:
        scopes.add(LISTS)
    return scopes


def _pending(session: Session) -> set[str]:
    return session.info.setdefault("fragment_scopes", set())


@event.listens_for(Session, "after_flush")
def _collect_flushed(session: Session, flush_context) -> None:
    if _store() is None:
        return
    for instance in (*session.new, *session.dirty, *session.deleted):
        _pending(session).update(scopes_of(session, instance))


@event.listens_for(Session, "do_orm_execute")
def _collect_statement(orm_execute_state) -> None:
    """UPDATE / DELETE / INSERT statements skip the flush: they make everything stale."""
    if not orm_execute_state.is_select and _store() is not None:
        _pending(orm_execute_state.session).add(SETTINGS)


@event.listens_for(Session, "after_commit")
def _bump_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT released: the transaction goes on
        return
    scopes = session.info.pop("fragment_scopes", None)
    store = _store()
    if scopes and store is not None:
        try:
            store.bump(scopes)
        except RedisError:  # the change is committed; pages show it once their entries expire
            current_app.logger.error("page cache not told of a change to %s", sorted(scopes), exc_info=True)
