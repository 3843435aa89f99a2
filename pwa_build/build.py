"""The build: published content -> dist/, full (a new directory swapped in) or incremental.

A full build renders every file into a fresh `dist.<stamp>/` next to `dist` (in forked worker
processes on large sites, once everything is read from the database), then points the `dist`
symlink at it in one atomic rename: a failure half-way leaves the previous site serving. The
directory it replaces is removed in the background, after the new site is live.
An incremental build renders only the files whose fingerprint changed (see `outputs.py`), all of
them in memory first, writes them under temporary names (a write failing, a full disk, removes
them all and leaves the site as it was), and only then renames each into place and removes the
files of pages that are gone. A file lock keeps two builds from running at once.

A page of the tree that cannot be rendered does not stop the build: the site keeps its last good
file (or leaves it out if it has none), the manifest keeps that file's fingerprint so the next
build tries again, and the failure is recorded for HR (`cms.content.services`). Once the files
are live, the notices whose new revision the build wrote start their fan-out.

No process keeps anything between builds: the manifest a build writes beside dist/ holds, with
each file's fingerprint, the notices as lists show them with their signature (live revision, URL
path, category). The next incremental build, in whichever process (the `pwa` worker, a restarted
or second one, `build_pwa`), reads it, queries only the signatures and the full rows of the
notices whose signature changed, so publishing one notice costs little even with ten thousand in
the site. `build_pwa --full` reads everything.
"""

import contextlib
import dataclasses
import datetime as dt
import fcntl
import gc
import hashlib
import json
import multiprocessing
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from jinja2 import Environment
from wagtail.models import Page

from . import assets, site_files
from .content import (
    Entry,
    NoticeRecord,
    SiteContent,
    fingerprint,
    load_pages,
    load_site_content,
    notices_recalled,
    notices_record,
)
from .failures import reason_of
from .outputs import Output, Plan, file_of, page_plan, render_output
from .render import Renderer

if TYPE_CHECKING:
    from cms.content.services import PageFailure

FORMAT = 1
"""Bump to force a full build when the structure of dist/ changes."""

ROOT_ICONS = {
    "apple-touch-icon.png": "icons/apple-touch-icon.png",
    "favicon.ico": "icons/favicon.ico",
}

Progress = Callable[[int, int], None]


@dataclass
class BuildReport:
    full: bool
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    directory: Path | None = None
    failures: "list[PageFailure]" = field(default_factory=list)
    """Pages that could not be rendered: their last good file stays (or none, if new)."""
    notices_live: list[int] = field(default_factory=list)
    """Notices this build made live in a new revision (their fan-out may start now)."""

    def summary(self) -> str:
        kind = "全体" if self.full else "差分"
        return (
            f"{kind}ビルド: 書き込み {len(self.written)} / 変更なし {self.unchanged} / "
            f"削除 {len(self.removed)} ファイル, {self.seconds:.2f} 秒"
            + (f", 失敗 {len(self.failures)} ページ" if self.failures else "")
        )


def dist_dir() -> Path:
    return Path(settings.PWA_DIST_DIR)


def _state_path(dist: Path) -> Path:
    return dist.parent / f".{dist.name}.state.json"


@contextlib.contextmanager
def build_lock(dist: Path) -> Iterator[None]:
    """Holds an exclusive lock for the build of `dist` (across processes): builds queue up."""
    dist.parent.mkdir(parents=True, exist_ok=True)
    with open(dist.parent / f".{dist.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def template_dirs() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [base / "site_templates", base / "service_worker", Path(__file__).parent]


def site_version(app_dir: Path) -> str:
    """Changes with any template, asset, service-worker or build source, or a site setting."""
    digest = hashlib.sha256(f"{FORMAT}".encode())
    for root in [*template_dirs(), assets.source_dir(), app_dir]:
        if not root.is_dir():
            continue
        for file in sorted(root.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file).encode())
                digest.update(file.read_bytes())
    for name in ("PWA_BASE_URL", "API_ORIGIN", "SITE_NAME", "ORG_NAME"):
        digest.update(str(getattr(settings, name)).encode())
    return digest.hexdigest()[:16]


def app_screens(app_dir: Path) -> list[str]:
    """Names of the app screens (`site_templates/app/<name>.html`, filled by other domains)."""
    if not app_dir.is_dir():
        return []
    return sorted(p.stem for p in app_dir.glob("*.html") if not p.name.startswith("_"))


APP_TITLES = {
    "home": "ホーム",
    "help": "ヘルプ",
    "login": "ログイン",
    "register": "新規登録",
    "profile": "マイページ",
    "notifications": "通知の設定",
    "feed": "会員向けのお知らせ",
    "export": "自分のデータ（印刷用）",
    "mydata": "自分のデータ",
    "privacy": "個人情報の取扱い",
    "groups": "グループ",
    "chat": "グループでの会話",
    "surveys": "アンケート",
    "survey": "アンケートに回答",
}

MEMBER_SCREENS = frozenset(
    {
        "home",
        "feed",
        "groups",
        "chat",
        "profile",
        "notifications",
        "export",
        "mydata",
        "surveys",
        "survey",
    }
)
"""Screens only a signed-in alumnus can use: opened signed-out, they lead to the login and
back (`/app/login/?next=…`). Their files are static shells, the same for everyone."""


def app_screen_path(name: str) -> str:
    """`home` is the app's own start, `/app/`; every other screen is `/app/<name>/`."""
    return "/app/" if name == "home" else f"/app/{name}/"


def make_plan(
    content: SiteContent,
    renderer: Renderer,
    version: str,
    app_dir: Path,
) -> tuple[Plan, dict[str, str]]:
    """Every output file; also the precache list (URL -> revision) of the service worker."""
    plan = Plan(version=version)
    page_plan(plan, renderer, content, version)
    nav = renderer.frame
    manifest = assets.manifest()

    shell: dict[str, bytes] = {}
    offline = renderer.screen("offline.html", path="/offline/", title="オフラインです")
    shell["/offline/"] = offline
    plan.add("offline/index.html", (version, nav, "offline"), lambda _p: offline)
    plan.add(
        "404.html",
        (version, nav, "404"),
        lambda _p: renderer.screen(
            "not_found.html", path="/404.html", title="ページが見つかりません"
        ),
    )
    shells: dict[str, str] = {}
    for name in app_screens(app_dir):
        path = app_screen_path(name)
        parts = (version, nav, "app", name)
        plan.add(
            file_of(path),
            parts,
            _screen(renderer, name, path, APP_TITLES.get(name, name)),
        )
        shells[path] = fingerprint(*parts)[:12]

    precache = {url: "" for url in manifest.urls()}
    precache.update(shells)
    precache["/offline/"] = hashlib.sha256(offline).hexdigest()[:12]
    precache["/manifest.webmanifest"] = version
    sw_source = Path(settings.BASE_DIR) / "service_worker" / "sw.js"
    config = {
        "name": renderer.site["name"],
        "offline": "/offline/",
        "api_origin": settings.API_ORIGIN,  # where a notification click is recorded
        "icon": manifest.url("icons/icon-192.png"),
        "badge": manifest.url("icons/badge-96.png"),
        "swr_prefixes": [
            e.path for e in (content.notice_index, content.job_index) if e is not None
        ],
        **cache_allow_list(content, list(shells)),
    }
    sw = site_files.service_worker(sw_source, version=version, precache=precache, config=config)
    plan.add("sw.js", (version, sw), lambda _p: sw)

    icon_urls = {name: manifest.url(name) for name in manifest.names if name.startswith("icons/")}
    plan.add(
        "manifest.webmanifest",
        (version,),
        lambda _p: site_files.manifest_json(renderer.site, icon_urls),
    )
    entries = [e for e in content.all_entries()]
    extra = (
        [f"{content.notice_index.path}category/{slug}/" for slug, _ in content.categories]
        if (content.notice_index)
        else []
    )
    plan.add(
        "sitemap.xml",
        (version, "".join(e.digest for e in entries), extra),
        lambda _p: site_files.sitemap(entries, extra),
    )
    plan.add(
        "feed.xml",
        (version, [n.digest for n in content.notices[: site_files.FEED_ENTRIES]]),
        lambda _p: site_files.atom_feed(content, renderer.site),
    )
    plan.add("robots.txt", (version,), lambda _p: site_files.robots_txt())
    plan.add("_headers", (version,), lambda _p: site_files.headers_file())
    for target, source in ROOT_ICONS.items():
        if source in manifest.names:
            data = (manifest.root / source).read_bytes()
            plan.add(target, (version, source), _constant(data))
    return plan, precache


def _screen(
    renderer: Renderer, name: str, path: str, title: str
) -> Callable[[dict[int, Page]], bytes]:
    return lambda _pages: renderer.screen(
        f"app/{name}.html", path=path, title=title, member_screen=name in MEMBER_SCREENS
    )


def cache_allow_list(content: SiteContent, shells: list[str]) -> dict[str, list[str]]:
    """What the service worker may keep: the public pages of the tree (exact paths, and
    everything under the notice, job and press lists) and the app's static shells (the same
    for everyone; precached, never stored from a member's visit). Nothing else: not /api/,
    /admin/, a screen's query string or any page outside these."""
    indexes = [e for e in (content.notice_index, content.job_index, content.press_index) if e]
    exact = ["/", "/offline/", *(e.path for e in indexes)]
    exact += [e.path for e in (*content.standard, *content.surveys)]
    return {
        "public_paths": sorted(set(exact)),
        "public_prefixes": [e.path for e in indexes],
        "shells": sorted(shells),
    }


def _constant(data: bytes) -> Callable[[dict[int, Page]], bytes]:
    return lambda _pages: data


Rendered = tuple[Output, bytes, dict[str, str]]


Failed = dict[str, str]
"""dist path -> the Japanese reason, of the pages of the tree that could not be rendered."""


def _render_page(
    output: Output, renderer: Renderer, pages: dict[int, Page], failed: Failed
) -> bytes | None:
    """The bytes of `output`, or None if it is a page of the tree that cannot be rendered
    (noted in `failed`): one broken page does not stop the build. Any other file (a list, the
    service worker) failing still fails the whole build."""
    try:
        return render_output(output, renderer, pages)
    except Exception as exc:
        if output.entry is None:
            raise
        renderer.resolved.take_used()
        failed[output.path] = reason_of(exc)
        return None


def _render_all(
    outputs: list[Output], renderer: Renderer, progress: Progress | None, failed: Failed
) -> Iterator[Rendered]:
    """Each output with its bytes and the image copies (dist path -> storage name) it shows;
    the pages that cannot be rendered are left out and noted in `failed`."""
    pages: dict[int, Page] = load_pages(o.entry for o in outputs if o.entry is not None)
    renderer.resolve_for(list(pages.values()))
    total = len(outputs)
    for done, output in enumerate(outputs, start=1):
        data = _render_page(output, renderer, pages, failed)
        if data is not None:
            yield output, data, renderer.resolved.take_used()
        if progress and (done % 200 == 0 or done == total):
            progress(done, total)


def _write_all(
    outputs: list[Output],
    renderer: Renderer,
    new_dir: Path,
    made: set[Path],
    progress: Progress | None,
    failed: Failed,
) -> Iterator[tuple[Output, dict[str, str]]]:
    for output, data, used in _render_all(outputs, renderer, progress, failed):
        target = new_dir / output.path
        _mkdir(target.parent, made)
        target.write_bytes(data)
        yield output, used


def _copy_media(
    root: Path, media: dict[str, str], made: set[Path], staged: "_Staged | None" = None
) -> list[str]:
    """Copies the image renditions not yet in `root` under their hashed names (`staged`: under
    temporary names, swapped in with the build's other files)."""
    written = []
    for path, source in sorted(media.items()):
        target = root / path
        if target.is_file():
            continue
        with default_storage.open(source, "rb") as data:
            if staged is None:
                _mkdir(target.parent, made)
                _write(target, data.read())
            else:
                staged.write(target, data.read(), made)
        written.append(path)
    return written


class _Staged:
    """The files of an incremental build, written under temporary names beside their targets
    (hidden, never served) and swapped in together once every one is written: a write failing
    half-way (a full disk) leaves the live site as it was, and nothing of the build behind."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, Path]] = []
        self.created: list[Path] = []

    def write(self, target: Path, data: bytes, made: set[Path]) -> None:
        directory = target.parent
        if directory not in made:
            missing = []
            parent = directory
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            directory.mkdir(parents=True, exist_ok=True)
            self.created += reversed(missing)
            made.add(directory)
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        self.files.append((tmp, target))
        tmp.write_bytes(data)

    def commit(self) -> None:
        """Each file takes its place in one atomic rename (no space needed: same directory)."""
        for tmp, target in self.files:
            os.replace(tmp, target)
        self.files.clear()

    def discard(self) -> None:
        for tmp, _target in self.files:
            tmp.unlink(missing_ok=True)
        for directory in reversed(self.created):
            with contextlib.suppress(OSError):
                directory.rmdir()
        self.files.clear()


def _mkdir(directory: Path, made: set[Path]) -> None:
    if directory not in made:
        directory.mkdir(parents=True, exist_ok=True)
        made.add(directory)


def _write(path: Path, data: bytes, made: set[Path] | None = None) -> None:
    if made is None:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _mkdir(path.parent, made)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _read_state(dist: Path) -> dict[str, Any] | None:
    """The manifest of the last build of `dist`, if it is the one of the directory served."""
    try:
        state = json.loads(_state_path(dist).read_bytes())
    except (OSError, ValueError):
        return None
    if not dist.is_dir() or dist.resolve().name != state.get("directory"):
        return None
    return state


def _swap_in(dist: Path, new_dir: Path) -> list[Path]:
    """Points `dist` at `new_dir` atomically; returns the build directories no longer in use."""
    if dist.exists() and not dist.is_symlink():
        # A plain directory from before: keep it aside, the symlink takes its place.
        dist.rename(dist.with_name(f"{dist.name}.previous-{secrets.token_hex(3)}"))
    old = dist.resolve() if dist.is_symlink() else None
    link = dist.with_name(f".{dist.name}.link-{secrets.token_hex(4)}")
    link.symlink_to(new_dir.name)
    os.replace(link, dist)
    return [old] if old and old != new_dir and old.exists() else []


_cleanups: list[subprocess.Popen[bytes]] = []


def _discard(dist: Path, directories: list[Path]) -> None:
    """Removes old build directories after the swap, off the build's critical path: each is
    renamed aside at once (hidden, never served) and deleted by a background `rm` process."""
    _cleanups[:] = [p for p in _cleanups if p.poll() is None]
    trash = []
    for directory in directories:
        aside = dist.with_name(f".{dist.name}.trash-{secrets.token_hex(4)}")
        with contextlib.suppress(OSError):
            directory.rename(aside)
            trash.append(aside)
    if trash:
        _cleanups.append(
            subprocess.Popen(  # noqa: S603 (fixed program, paths made here)
                ["/bin/rm", "-rf", "--", *map(str, trash)], start_new_session=True
            )
        )


def wait_for_cleanup() -> None:
    """Waits until the old build directories are gone (benchmarks, before the next figure)."""
    for process in _cleanups:
        process.wait()
    _cleanups.clear()


# Full builds of many files render in forked worker processes, one per core, after the parent
# has read everything from the database; below this many files forking costs more than it saves.
PARALLEL_FROM = 1500
CHUNK = 100
"""Outputs per task handed to a worker: small enough that the last tasks (the costlier list
pages come last) leave no worker idle for long while the other finishes, large enough that
handing tasks out costs nothing noticeable (about a hundred tasks for ten thousand pages)."""

# The job being rendered, set by the parent before it forks: the workers inherit it.
_jobs: "list[tuple[list[Output], dict[int, Page], Renderer, Path]]" = []


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _no_queries(*args: object) -> None:
    raise RuntimeError("a build worker process must not query the database")


def _render_chunk(
    bounds: tuple[int, int],
) -> tuple[list[tuple[int, dict[str, str]]], Failed]:
    """In a worker: renders and writes outputs[start:stop]; returns their image copies and
    the pages that could not be rendered."""
    outputs, pages, renderer, new_dir = _jobs[-1]
    made: set[Path] = set()
    result = []
    failed: Failed = {}
    with connection.execute_wrapper(_no_queries):
        for index in range(*bounds):
            output = outputs[index]
            data = _render_page(output, renderer, pages, failed)
            if data is None:
                continue
            target = new_dir / output.path
            _mkdir(target.parent, made)
            target.write_bytes(data)
            result.append((index, renderer.resolved.take_used()))
    return result, failed


def _render_parallel(
    outputs: list[Output],
    renderer: Renderer,
    new_dir: Path,
    workers: int,
    progress: Progress | None,
    failed: Failed,
) -> Iterator[tuple[Output, dict[str, str]]]:
    """Writes every output into `new_dir` from `workers` forked processes."""
    pages: dict[int, Page] = load_pages(o.entry for o in outputs if o.entry is not None)
    renderer.resolve_for(list(pages.values()))
    chunks = [(i, min(i + CHUNK, len(outputs))) for i in range(0, len(outputs), CHUNK)]
    _jobs.append((outputs, pages, renderer, new_dir))
    done = 0
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for result, chunk_failed in pool.imap_unordered(_render_chunk, chunks):
                failed.update(chunk_failed)
                for index, used in result:
                    yield outputs[index], used
                done += len(result) + len(chunk_failed)
                if progress:
                    progress(done, len(outputs))
    finally:
        _jobs.pop()


def build(
    *,
    full: bool = False,
    dist: Path | None = None,
    environment: Environment | None = None,
    app_dir: Path | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    version: str | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Builds the PWA into `dist` (default: settings.PWA_DIST_DIR); incremental unless `full`
    or nothing usable was built before (or the templates, assets or settings changed).

    `today`: the day job statuses are computed for (default: today in Asia/Tokyo); the daily
    run rewrites only the jobs, lists and home whose statuses changed. `version`: the site
    version to build as (default: computed from the templates, assets and settings); a
    benchmark passes a snapshot so that a template edited meanwhile cannot force a full build.
    `workers`: processes rendering a full build (default: one per core, for large sites).
    """
    started = time.perf_counter()
    dist = dist or dist_dir()
    app_dir = app_dir or Path(settings.BASE_DIR) / "site_templates" / "app"
    with build_lock(dist), _no_cyclic_gc():
        assets.manifest().refresh()
        version = version or site_version(app_dir)
        state = _read_state(dist)
        full = full or state is None or state.get("version") != version
        recalled = None if full or state is None else notices_recalled(state.get("notices"))
        content = load_site_content(today=today, previous=recalled)
        previous: dict[str, str] = state["outputs"] if state else {}
        left_out = _new_pages_that_fail(content, previous, environment) if state else {}
        shown = _without(content, set(left_out)) if left_out else content
        renderer = Renderer(shown, environment=environment)
        plan, _precache = make_plan(shown, renderer, version, app_dir)
        media = state.get("media", {}) if state else {}
        revisions: dict[str, int] = state.get("revisions", {}) if state else {}
        build_id = secrets.token_hex(8)
        failed: Failed = {}
        if full:
            if workers is None:
                workers = default_workers() if len(plan.outputs) >= PARALLEL_FROM else 1
            report = _full_build(
                dist,
                plan,
                renderer,
                previous,
                media,
                revisions,
                progress,
                workers,
                build_id,
                failed,
                content,
                recalled,
            )
        else:
            report = _incremental_build(
                dist,
                plan,
                renderer,
                previous,
                media,
                revisions,
                progress,
                build_id,
                failed,
                content,
                recalled,
            )
        _report_outcome(report, plan, failed, previous, revisions, left_out)
        report.seconds = time.perf_counter() - started
        return report


LEAF_KINDS = frozenset({"notice", "job", "press", "standard", "survey"})
"""Pages that no list, link or menu needs in order to exist (not the home page or an index)."""


def _new_pages_that_fail(
    content: SiteContent, previous: Mapping[str, str], environment: Environment | None
) -> "dict[Entry, str]":
    """The pages never built before that cannot be rendered, with the reason: tried before the
    plan is made, so that they stay out of the site altogether (no list, home, sitemap or feed
    links to a page that is not there). Usually the one page just published, rendered twice."""
    new = [
        e for e in content.all_entries() if e.kind in LEAF_KINDS and file_of(e.path) not in previous
    ]
    if not new:
        return {}
    renderer = Renderer(content, environment=environment)
    outputs = [Output(file_of(e.path), "", None, e) for e in new]
    failed: Failed = {}
    for _rendered in _render_all(outputs, renderer, None, failed):
        pass
    return {o.entry: failed[o.path] for o in outputs if o.entry is not None and o.path in failed}


def _without(content: SiteContent, entries: "set[Entry]") -> SiteContent:
    """The site's content less `entries` (the manifest keeps the whole content's notices)."""
    return dataclasses.replace(
        content,
        notices=[e for e in content.notices if e not in entries],
        jobs=[e for e in content.jobs if e not in entries],
        press=[e for e in content.press if e not in entries],
        standard=[e for e in content.standard if e not in entries],
        surveys=[e for e in content.surveys if e not in entries],
    )


def _report_outcome(
    report: BuildReport,
    plan: Plan,
    failed: Failed,
    previous: dict[str, str],
    revisions: dict[str, int],
    left_out: "dict[Entry, str]",
) -> None:
    """Once the files are live: records the pages that failed (and clears those that render
    again) for HR, and starts the fan-out of the notices this build made live."""
    from cms.content.services import PageFailure, build_failures_record, notices_went_live

    report.failures = [
        PageFailure(
            page_id=o.entry.pk,
            path=o.entry.path,
            reason=failed[o.path],
            kept_previous=o.path in previous,
        )
        for o in plan.outputs
        if o.entry is not None and o.path in failed
    ] + [
        PageFailure(page_id=e.pk, path=e.path, reason=reason, kept_previous=False)
        for e, reason in left_out.items()
    ]
    report.notices_live = [
        o.entry.pk
        for o in plan.outputs
        if o.entry is not None
        and o.entry.kind == "notice"
        and o.path not in failed
        and revisions.get(str(o.entry.pk)) != o.entry.revision
    ]
    build_failures_record(failures=report.failures)
    notices_went_live(notice_ids=report.notices_live)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A build makes tens of thousands of short-lived objects; now and then they set off a full
    pass of the cyclic collector over everything the process holds (ten thousand notices),
    which doubled an incremental build. Paused while building, it runs after the files are
    live; reference counting still frees the build's objects as it goes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _full_build(
    dist: Path,
    plan: Plan,
    renderer: Renderer,
    previous: dict[str, str],
    previous_media: dict[str, list[str]],
    revisions: dict[str, int],
    progress: Progress | None,
    workers: int,
    build_id: str,
    failed: Failed,
    content: SiteContent,
    recalled: SiteContent | None,
) -> BuildReport:
    report = BuildReport(full=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    new_dir = dist.with_name(f"{dist.name}.{stamp}-{secrets.token_hex(3)}")
    new_dir.mkdir(parents=True)
    made: set[Path] = {new_dir}
    media: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    try:
        if workers > 1:
            written = _render_parallel(plan.outputs, renderer, new_dir, workers, progress, failed)
        else:
            written = _write_all(plan.outputs, renderer, new_dir, made, progress, failed)
        for output, used in written:
            if used:
                media[output.path] = sorted(used)
                sources.update(used)
            if previous.get(output.path) == output.fingerprint:
                report.unchanged += 1
            else:
                report.written.append(output.path)
        report.written += _copy_media(new_dir, sources, made)
        media.update(_keep_last_good(dist, new_dir, failed, previous, previous_media, made))
        assets.manifest().copy_to(new_dir)
    except BaseException:
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    paths = {o.path for o in plan.outputs}
    report.removed = sorted(p for p in previous if p not in paths)
    record = notices_record(content, recalled)
    _save_state(dist, new_dir.name, plan, media, build_id, failed, previous, revisions, record)
    _discard(dist, _swap_in(dist, new_dir))
    report.directory = new_dir
    return report


def _keep_last_good(
    dist: Path,
    new_dir: Path,
    failed: Failed,
    previous: dict[str, str],
    previous_media: dict[str, list[str]],
    made: set[Path],
) -> dict[str, list[str]]:
    """Copies into a new full build the last good file of each page that failed now (and the
    images it shows); returns their media. A page never built before stays out of the site."""
    kept: dict[str, list[str]] = {}
    if not dist.is_dir():
        return kept
    old = dist.resolve()
    for path in failed:
        if path not in previous or not (old / path).is_file():
            continue
        for file in [path, *previous_media.get(path, [])]:
            target = new_dir / file
            if not target.exists() and (old / file).is_file():
                _mkdir(target.parent, made)
                shutil.copyfile(old / file, target)
        if path in previous_media:
            kept[path] = previous_media[path]
    for path in [p for p in failed if p in previous and p not in kept]:
        if not (new_dir / path).is_file():
            previous.pop(path, None)  # nothing kept: the page is out of the site for now
    return kept


def _incremental_build(
    dist: Path,
    plan: Plan,
    renderer: Renderer,
    previous: dict[str, str],
    previous_media: dict[str, list[str]],
    revisions: dict[str, int],
    progress: Progress | None,
    build_id: str,
    failed: Failed,
    content: SiteContent,
    recalled: SiteContent | None,
) -> BuildReport:
    report = BuildReport(full=False)
    changed = [o for o in plan.outputs if previous.get(o.path) != o.fingerprint]
    report.unchanged = len(plan.outputs) - len(changed)
    # Everything renders before a file changes.
    rendered = list(_render_all(changed, renderer, progress, failed))
    root = dist.resolve()
    paths = {o.path for o in plan.outputs}
    media = {p: m for p, m in previous_media.items() if p in paths}
    sources: dict[str, str] = {}
    for output, _data, used in rendered:
        media.pop(output.path, None)
        if used:
            media[output.path] = sorted(used)
            sources.update(used)
    made: set[Path] = set()
    staged = _Staged()
    try:
        report.written += _copy_media(root, sources, made, staged)
        for output, data, _used in rendered:
            target = root / output.path
            if target.is_file() and target.read_bytes() == data:
                report.unchanged += 1
                continue
            staged.write(target, data, made)
            report.written.append(output.path)
    except BaseException:
        staged.discard()
        raise
    staged.commit()
    in_use = {m for ms in media.values() for m in ms}
    unused_media = {m for ms in previous_media.values() for m in ms} - in_use
    for gone in sorted([*(p for p in previous if p not in paths), *unused_media]):
        target = root / gone
        target.unlink(missing_ok=True)
        report.removed.append(gone)
        with contextlib.suppress(OSError):
            parent = target.parent
            while parent != root and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
    record = notices_record(content, recalled)
    _save_state(dist, root.name, plan, media, build_id, failed, previous, revisions, record)
    report.directory = root
    return report


def _save_state(
    dist: Path,
    directory: str,
    plan: Plan,
    media: dict[str, list[str]],
    build_id: str,
    failed: Failed,
    previous: dict[str, str],
    revisions: dict[str, int],
    notices: NoticeRecord,
) -> None:
    """The manifest of the build beside dist/. A page that failed keeps the fingerprint of its
    last good file (none if it has none), so the next build tries it again; `revisions`: the
    live revision of each notice the site shows (a new one means the notice just went live);
    `notices`: the notices as read (`notices_record`), which the next build reuses."""
    outputs = {}
    new_revisions = {}
    for o in plan.outputs:
        key = str(o.entry.pk) if o.entry is not None else ""
        if o.path not in failed:
            outputs[o.path] = o.fingerprint
            if o.entry is not None and o.entry.kind == "notice":
                new_revisions[key] = o.entry.revision
        elif o.path in previous:
            outputs[o.path] = previous[o.path]
            if key in revisions:
                new_revisions[key] = revisions[key]
    state = {
        "build": build_id,
        "directory": directory,
        "version": plan.version,
        "outputs": outputs,
        "media": media,
        "revisions": new_revisions,
        "notices": notices,
    }
    _write(_state_path(dist), json.dumps(state, ensure_ascii=False).encode())


__all__ = ["BuildReport", "build", "build_lock", "dist_dir", "fingerprint"]
