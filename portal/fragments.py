"""Render once per change: the content of the busiest pages, cached in Redis between changes.

A page's content (everything inside ``{% block content %}``: the candidates table, a recommender's
inbox, an enterprise's form) is stored under a key made of what it shows (the page, the arguments,
today's date) and of the *generations* of the data it reads. Every commit bumps the generations of
what it changed, so the first request after a change renders anew and stores a new entry; the old
one is never read again and expires. Generations are read before the data, so a render that races
a commit is stored under the generation before that commit and never served after it.

The generations (see :func:`scopes_of`):

* ``settings``: campaigns, organisations, the rubric, and anything not named below. Every page reads it.
* ``lists``: the applications once submitted, and everything recommenders and reviewers do with them.
* ``application:<id>``: one application and its parts, drafts included. An enterprise saving its
  draft bumps only this one, so the officials' lists stay cached on the busiest day.

Users, notifications, the audit log and the outbox bump nothing: no cached content shows them (the
navigation with the unread count and the logout form render on every request, outside the cache).
Entries live ``TTL`` seconds, which bounds how late a deadline passing shows on a page.

Without ``REDIS_URL`` nothing is cached: separate workers could not see each other's changes.
"""
import hashlib
from collections.abc import Callable

from flask import current_app, has_app_context, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from redis import Redis, RedisError
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from portal.timeutil import to_local, utcnow

TTL = 60
SETTINGS = "settings"
LISTS = "lists"
_TOKEN_PLACEHOLDER = "\x00csrf-token\x00"


def application_scope(application_id: int) -> str:
    return f"application:{application_id}"


class FragmentStore:
    """Generations and rendered content in Redis, under one prefix."""

    def __init__(self, url: str, prefix: str):
        self._redis = Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._prefix = prefix

    def generations(self, scopes: tuple[str, ...]) -> list:
        return self._redis.mget([f"{self._prefix}gen:{scope}" for scope in scopes])

    def bump(self, scopes: set[str]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for scope in sorted(scopes):
            pipe.incr(f"{self._prefix}gen:{scope}")
        pipe.execute()

    def get(self, key: str) -> str | None:
        value = self._redis.get(self._prefix + key)
        return None if value is None else value.decode()

    def set(self, key: str, html: str) -> None:
        self._redis.set(self._prefix + key, html.encode(), ex=TTL)


def init_fragments(app) -> None:
    enabled = app.config["REDIS_URL"] and app.config["FRAGMENT_CACHE"]
    app.extensions["fragments"] = FragmentStore(app.config["REDIS_URL"], app.config["REDIS_KEY_PREFIX"] + "fragment:") if enabled else None


def _store() -> FragmentStore | None:
    return current_app.extensions.get("fragments") if has_app_context() else None


def render_page(template: str, key: tuple, scopes: tuple[str, ...], content: Callable[[], dict], **page) -> str:
    """``render_template(template, **page, **content())``, with the content block cached.

    ``content`` builds what only the content block uses (the queries): it runs on a miss only.
    ``page`` is what the rest of the page uses (the title and scripts blocks). ``key`` holds what
    the content depends on besides the data of ``scopes`` and the request's arguments, such as the
    organisation whose inbox it is: whoever may see the page and has the same key sees the same content.
    The CSRF token of forms in the content is stored as a placeholder and filled in per session.
    """
    store = _store()
    if store is not None and request.method == "GET":
        try:
            html = _cached_content(store, template, (SETTINGS, *scopes), key, lambda: page | content())
            return render_template(template, content_html=Markup(html), **page)
        except RedisError:
            current_app.logger.warning("page cache unavailable, rendering in full", exc_info=True)
    return render_template(template, **(page | content()))


def _cached_content(store: FragmentStore, template: str, scopes: tuple[str, ...], key: tuple,
                    context: Callable[[], dict]) -> str:
    fingerprint = repr((template, key, sorted(request.args.items(multi=True)), to_local(utcnow()).date(),
                        store.generations(scopes)))
    cache_key = hashlib.sha256(fingerprint.encode()).hexdigest()
    token = generate_csrf()
    html = store.get(cache_key)
    if html is not None:
        return html.replace(_TOKEN_PLACEHOLDER, token)
    html = render_template(template, render_content_only=True, **context())
    store.set(cache_key, html.replace(token, _TOKEN_PLACEHOLDER))
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
        if application is None:
            return {application_scope(application_id), LISTS}
    statuses = {application.status, *inspect(application).attrs.status.history.deleted}
    scopes = {application_scope(application.id)}
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
    scopes = session.info.pop("fragment_scopes", None)
    store = _store()
    if scopes and store is not None:
        try:
            store.bump(scopes)
        except RedisError:  # the change is committed; pages show it once their entries expire
            current_app.logger.error("page cache not told of a change to %s", sorted(scopes), exc_info=True)
