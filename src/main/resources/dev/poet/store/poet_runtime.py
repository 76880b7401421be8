"""poet runtime: records events for functions managed by poet.

Standard library only. `poet init` writes this file into the store and replaces it when poet
is upgraded, so do not edit it. Events are encoded exactly as the poet command line encodes
them, byte for byte, and delivered with the store's Maildir protocol (exclusive tmp file, fsync,
link into pending/, fsync the directory): by default from an in-process buffer, many events per
batch file, by a background thread every 100 ms or 1,000 events, at exit and on flush(); with
durable=True (or POET_DURABLE=1) one file per event before record() returns.

    import poet_runtime
    detect_drift = poet_runtime.load("detect_drift").detect_drift   # follows the live version
    poet_runtime.record("drift.validation", {"was_real_drift": False}, execution_id=eid)
"""
import atexit
import base64
import collections
import contextvars
import errno
import functools
import hashlib
import importlib.util
import inspect
import json
import logging
import math
import os
import random
import re
import secrets
import sys
import threading
import time

__all__ = ["record", "instrument", "load", "params", "params_revision", "store_path", "new_event_id",
           "last_execution_id", "encode_event", "review_url", "review_token", "clock", "flush", "configure",
           "StoreNotFound"]

FORMAT = 1
MAX_EVENT_BYTES = 1 << 20
DETECTION_FIELDS = ("drift_detected", "p_value", "statistic", "threshold", "test", "feature",
                    "feature_type", "window_size", "mlflow_run_id", "cost_usd", "tests", "seasonal_adjustment")
PREFIXES = {
    "execution.completed": "exec", "drift.validation": "feedback", "alert.created": "alert",
    "alert.acknowledged": "alert", "alert.resolved": "alert", "alert.batch_dismissed": "alert",
    "config.changed": "config", "config.impact_measured": "config", "execution.cost_measured": "cost",
    "cost.measured": "cost", "drift.business_impact_measured": "impact", "model.retrained": "model",
    "enhancement.requested": "enhance", "enhancement.completed": "enhance", "enhancement.failed": "enhance",
    "version.deployed": "version", "version.rolled_back": "version", "execution.shadow": "exec",
}
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}\Z")
_FUNCTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_CUSTOM = re.compile(r"x\.[a-z0-9_]{1,40}(\.[a-z0-9_]{1,40}){1,4}\Z")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_log = logging.getLogger("poet")
_lock = threading.Lock()
_last_ms = -1
# A callable returning the time (epoch seconds) events are stamped with; None: the system clock.
# For replays and simulations that record what happened at other times.
clock = None
_last_rand = 0
_local = threading.local()


class StoreNotFound(RuntimeError):
    """No .poet store could be found."""


def _is_store(d):
    return os.path.isfile(os.path.join(d, "poet.json")) or os.path.isdir(os.path.join(d, "events"))


_here_is_store = _is_store(os.path.dirname(os.path.abspath(__file__)))


def store_path():
    """The store: $POET_STORE, else the store this file lives in, else the nearest .poet upward from the cwd."""
    env = os.environ.get("POET_STORE")
    if env:
        d = os.path.abspath(env)
        if _is_store(d):
            return d
        if os.path.isdir(os.path.join(d, ".poet")):
            return os.path.join(d, ".poet")
        raise StoreNotFound("POET_STORE names %s, which is not a poet store" % d)
    here = os.path.dirname(os.path.abspath(__file__))
    if _is_store(here):
        return here
    d = os.getcwd()
    while True:
        candidate = os.path.join(d, ".poet")
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(d)
        if parent == d:
            raise StoreNotFound("no .poet store found; create one with 'poet init'")
        d = parent


def new_event_id(ms=None):
    """A ULID: 48 bits of milliseconds, 80 random bits; increasing within this process."""
    global _last_ms, _last_rand
    with _lock:
        if ms is None and clock is not None:
            # a replay's clock may go back: stamp what it says (ids stay unique by their random bits)
            ms = int(clock() * 1000)
            v = (ms << 80) | (int.from_bytes(os.urandom(10), "big") & ((1 << 79) - 1))
            return _ulid_text(v), ms
        if ms is None:
            ms = int(time.time() * 1000)
        if ms <= _last_ms:
            ms = _last_ms
            _last_rand += 1
        else:
            _last_ms = ms
            _last_rand = int.from_bytes(os.urandom(10), "big") & ((1 << 79) - 1)
        v = (ms << 80) | _last_rand
    return _ulid_text(v), ms


# Crockford's base32 from the standard one: 20 bytes are 32 characters, the last 26 hold 130 bits
_B32_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode("ascii"))


def _ulid_text(v):
    return base64.b32encode(v.to_bytes(20, "big"))[6:].translate(_B32_TO_CROCKFORD).decode("ascii")


_second = (None, None)


def _format_time(ms):
    global _second
    s, text = _second
    if s != ms // 1000:
        s = ms // 1000
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
        _second = (s, text)
    return "%s.%03dZ" % (text, ms % 1000)


def _clean(v):
    """A JSON-safe copy: numpy scalars unwrapped, NaN and infinities become None."""
    if hasattr(v, "item") and callable(v.item) and not isinstance(v, (dict, list, tuple, str, bytes)):
        try:
            v = v.item()
        except (TypeError, ValueError):
            return str(v)
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return str(v)


# json.dumps with these options would build a new encoder for every event
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_event(event):
    """The canonical bytes of an event: compact JSON, as the poet CLI writes it, and a newline."""
    return _ENCODER.encode(event).encode("utf-8", "backslashreplace") + b"\n"


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_pending(events):
    """Puts pending/ back if a correlate run was killed between the two renames of its claim."""
    pending = os.path.join(events, "pending")
    if os.path.isdir(pending):
        return
    try:
        os.rename(os.path.join(events, "pending.next"), pending)
    except OSError:
        os.makedirs(pending, exist_ok=True)


def _link_waiting_for_pending(tmp, target, events):
    """os.link, waiting while a correlate claim swaps pending/ (microseconds), repairing it if need be.

    Returns a descriptor of the directory the link went into, opened before the link: if a claim
    renames that directory right after, fsyncing this descriptor still makes the link durable."""
    directory = os.path.dirname(target)
    for attempt in range(1, 1001):
        try:
            dirfd = os.open(directory, os.O_RDONLY)
        except FileNotFoundError:
            dirfd = None
        if dirfd is not None:
            try:
                os.link(tmp, target)
                return dirfd
            except FileNotFoundError:
                os.close(dirfd)
                if os.path.isdir(directory):
                    raise  # the temporary file is gone, not the directory
            except BaseException:
                os.close(dirfd)
                raise
        if attempt == 1000:
            raise FileNotFoundError(directory)
        if attempt % 50 == 0:
            _ensure_pending(events)
        time.sleep(0.001)


def _write_tmp(events, name, payload):
    """Step 1 of delivery: an exclusive events/tmp/<name>.<random> holding payload, forced to disk."""
    tmp = os.path.join(events, "tmp", name + "." + secrets.token_hex(8))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _deliver(store, name, payload):
    """Maildir delivery; returns (path, duplicate)."""
    events = os.path.join(store, "events")
    pending = os.path.join(events, "pending", name)
    quarantined = os.path.join(events, "failed", name)
    if os.path.exists(quarantined):
        return quarantined, True
    tmp = _write_tmp(events, name, payload)
    dirfd = None
    try:
        dirfd = _link_waiting_for_pending(tmp, pending, events)
    except FileExistsError:
        os.unlink(tmp)
        return pending, True
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            os.unlink(tmp)
            raise
        if os.path.exists(pending):
            os.unlink(tmp)
            return pending, True
        os.rename(tmp, pending)
    else:
        os.unlink(tmp)
    if dirfd is None:
        _fsync_dir(os.path.dirname(pending))
    else:
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
    return pending, False



# --- batched delivery -------------------------------------------------------------------------
# Events wait in _buffer (store, payload) until the delivery thread, flush() or the exit handler
# delivers them, grouped by store, as batch files: batch_<id>_<count>.jsonl in pending/, one
# canonical event per line, with the same protocol as a single event.

BATCH_MAX_BYTES = 4 << 20          # a batch file is cut at 4 MiB whatever the event count
MAX_BUFFERED_EVENTS = 100_000      # beyond this (the store unwritable for long), the oldest are dropped
_settings_lock = threading.Lock()
_flush_interval = 0.1              # seconds between deliveries: POET_FLUSH_INTERVAL_MS, configure()
_batch_events = 1000               # deliver as soon as this many wait: POET_BATCH_EVENTS, configure()
_durable = False                   # one fsync'd file per event before record() returns: POET_DURABLE=1
_buffer = []
_buffer_lock = threading.Lock()
_deliver_lock = threading.Lock()   # one delivery at a time in this process: keeps batches in order
_wake = threading.Event()
_thread = None
_thread_pid = None
_stopping = False
_dropped = 0
_last_warning = 0.0


def _env_number(name, default, kind):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
        if value > 0:
            return value
    except ValueError:
        pass
    _log.warning("poet: ignoring %s=%r (expected a positive number)", name, raw)
    return default


def _read_environment():
    global _flush_interval, _batch_events, _durable
    _flush_interval = _env_number("POET_FLUSH_INTERVAL_MS", 100, float) / 1000.0
    _batch_events = _env_number("POET_BATCH_EVENTS", 1000, int)
    _durable = os.environ.get("POET_DURABLE", "").strip().lower() in ("1", "true", "yes", "on")


_read_environment()


def configure(durable=None, flush_interval_ms=None, batch_events=None):
    """Sets how events are delivered in this process (the POET_* environment variables set the defaults).

    durable: True delivers every event before record() (or the instrumented call) returns, one
    fsync'd file each; False (default) buffers them and delivers batches in the background.
    flush_interval_ms: how often the background thread delivers (100). batch_events: deliver as
    soon as this many events wait (1000)."""
    global _flush_interval, _batch_events, _durable
    with _settings_lock:
        if durable is not None:
            _durable = bool(durable)
        if flush_interval_ms is not None:
            if not flush_interval_ms > 0:
                raise ValueError("flush_interval_ms must be positive")
            _flush_interval = flush_interval_ms / 1000.0
        if batch_events is not None:
            if int(batch_events) < 1:
                raise ValueError("batch_events must be at least 1")
            _batch_events = int(batch_events)
    if durable:
        flush()
    _wake.set()


def _warn(message, *args):
    """A delivery problem, logged at most once a minute: a broken store must not flood the log."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= 60.0:
        _last_warning = now
        _log.warning(message, *args)


def _deliver_batch(store, payloads):
    """Delivers encoded events as one batch file; returns its path. Protocol as _deliver."""
    events = os.path.join(store, "events")
    while True:
        batch_id = new_event_id()[0]
        name = "batch_%s_%d.jsonl" % (batch_id, len(payloads))
        target = os.path.join(events, "pending", name)
        tmp = _write_tmp(events, name, b"".join(payloads))
        try:
            dirfd = _link_waiting_for_pending(tmp, target, events)
        except FileExistsError:
            os.unlink(tmp)
            continue  # batch ids are fresh: only a clock set back by a replay can repeat one
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                os.unlink(tmp)
                raise
            os.rename(tmp, target)
            _fsync_dir(os.path.dirname(target))
            return target
        os.unlink(tmp)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)
        return target



class _Remote(object):
    """Delivery to a poet serve over HTTP (POST /poet/events), for a host without the store.

    Batches go out from the delivery thread. When the server cannot take them (unreachable, 5xx,
    429, a refused token) they are written to a spool directory on local disk and sent again later,
    oldest first, after a wait that doubles with each failure (1 s up to 60 s) with jitter; the
    spool is bounded, its oldest files dropped with a warning. Every event carries its id, so a
    batch sent twice (the answer lost) is counted once by the server."""

    def __init__(self, url, token, spool, max_bytes):
        self.url = url.rstrip("/") + "/poet/events"
        self.token = token
        self.spool = spool
        self.max_bytes = max_bytes
        self.failures = 0
        self.next_try = 0.0

    def __str__(self):
        return self.url

    def _post(self, body):
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/x-ndjson", "Authorization": "Bearer %s" % (self.token or "")})
        try:
            with urllib.request.urlopen(req, timeout=_REMOTE_TIMEOUT) as r:
                answer = json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code != 400:  # 400: every line invalid; sending it again would not help
                raise
            answer = json.loads(e.read().decode("utf-8"))
        for line in answer.get("results", []):
            if line.get("status") == "invalid":
                _warn("poet: %s refused an event: %s", self.url, line.get("error"))

    def _spooled(self):
        try:
            return sorted(n for n in os.listdir(self.spool) if n.startswith("spool_") and n.endswith(".jsonl"))
        except FileNotFoundError:
            return []

    def _to_spool(self, payloads):
        os.makedirs(self.spool, exist_ok=True)
        name = "spool_%s.jsonl" % new_event_id()[0]
        tmp = os.path.join(self.spool, "." + name + ".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, b"".join(payloads))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, os.path.join(self.spool, name))
        _fsync_dir(self.spool)
        names = self._spooled()
        sizes = [(n, os.path.getsize(os.path.join(self.spool, n))) for n in names]
        total = sum(size for _, size in sizes)
        dropped = 0
        for n, size in sizes:
            if total <= self.max_bytes:
                break
            os.unlink(os.path.join(self.spool, n))
            total -= size
            dropped += 1
        if dropped:
            _warn("poet: the spool %s is over %d bytes; dropped its %d oldest files", self.spool, self.max_bytes, dropped)

    def _failed(self, e):
        self.failures += 1
        wait = min(60.0, 2.0 ** (self.failures - 1))
        self.next_try = time.monotonic() + wait * random.uniform(0.5, 1.5)
        _warn("poet: could not reach %s (events kept in %s, retried): %s", self.url, self.spool, e)

    def deliver(self, payloads):
        """Sends what the spool holds, then these; whatever cannot be sent now goes to the spool."""
        if time.monotonic() >= self.next_try:
            try:
                for n in self._spooled():
                    path = os.path.join(self.spool, n)
                    with open(path, "rb") as f:
                        self._post(f.read())
                    os.unlink(path)
                if payloads:
                    self._post(b"".join(payloads))
                self.failures = 0
                return
            except Exception as e:  # unreachable, 5xx, 429, a refused token: keep them on disk
                self._failed(e)
        if payloads:
            self._to_spool(payloads)


_REMOTE_TIMEOUT = 10.0
_remotes = {}


def _remote():
    """The remote sink that POET_URL names (with POET_EVENTS_TOKEN), or None."""
    url = os.environ.get("POET_URL")
    if not url:
        return None
    token = os.environ.get("POET_EVENTS_TOKEN")
    spool = os.environ.get("POET_SPOOL_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "poet", "spool", hashlib.sha256(url.encode("utf-8")).hexdigest()[:16])
    key = (url, token, spool)
    found = _remotes.get(key)
    if found is None:
        found = _remotes[key] = _Remote(url, token, spool, _env_number("POET_SPOOL_MAX_BYTES", 256 << 20, int))
    return found


def _take(limit=None):
    """Removes and returns what waits in the buffer (all, or the oldest limit events)."""
    global _buffer
    with _buffer_lock:
        if limit is None or limit >= len(_buffer):
            taken, _buffer = _buffer, []
        else:
            taken, _buffer = _buffer[:limit], _buffer[limit:]
    return taken


def _give_back(items):
    """Puts undelivered events back at the front of the buffer, dropping the oldest beyond the cap."""
    global _buffer, _dropped
    with _buffer_lock:
        _buffer = items + _buffer
        over = len(_buffer) - MAX_BUFFERED_EVENTS
        if over > 0:
            _dropped += over
            del _buffer[:over]
    if over > 0:
        _warn("poet: the store could not be written; dropped the oldest %d buffered events (%d in all)", over, _dropped)


def _drain(everything):
    """Delivers buffered events; returns True when the buffer was emptied. Never raises."""
    with _deliver_lock:
        while True:
            items = _take(None if everything else max(_batch_events, 1) * 64)
            if not items:
                return True
            by_store = {}
            for store, payload in items:
                if type(payload) is not bytes:
                    payload = _encode_deferred(payload)
                    if payload is None:
                        continue
                by_store.setdefault(store, []).append(payload)
            failed = []
            for store, payloads in by_store.items():
                start = 0
                while start < len(payloads):
                    end, size = start, 0
                    while end < len(payloads) and end - start < _batch_events and (end == start or size + len(payloads[end]) <= BATCH_MAX_BYTES):
                        size += len(payloads[end])
                        end += 1
                    try:
                        if isinstance(store, _Remote):
                            store.deliver(payloads[start:end])  # sent, or spooled on local disk
                        else:
                            _deliver_batch(store, payloads[start:end])
                    except Exception as e:  # the store cannot be written: keep the events, try again later
                        _warn("poet: could not deliver %d events to %s (kept in memory, retried): %s",
                              len(payloads) - start, store, e)
                        failed.extend((store, p) for p in payloads[start:])
                        break
                    start = end
            if failed:
                _give_back(failed)
                return False
            if not everything:
                with _buffer_lock:
                    if len(_buffer) < _batch_events:
                        return True


def _run():
    while True:
        _wake.wait(_flush_interval)
        _wake.clear()
        _drain(False)
        if _stopping:
            return


def _ensure_thread():
    global _thread, _thread_pid
    pid = os.getpid()
    if _thread_pid == pid and _thread is not None:
        return
    with _settings_lock:
        if _thread_pid == pid and _thread is not None:
            return
        t = threading.Thread(target=_run, name="poet-delivery", daemon=True)
        t.start()
        _thread, _thread_pid = t, pid
        mp = sys.modules.get("multiprocessing")
        if mp is not None and pid != _main_pid:
            # a multiprocessing child ends with os._exit, which skips atexit; its finalizers still run
            try:
                import multiprocessing.util
                multiprocessing.util.Finalize(None, _at_exit, exitpriority=100)
            except Exception:
                pass


def _enqueue(store, payload):
    with _buffer_lock:
        _buffer.append((store, payload))
        full = len(_buffer) >= _batch_events
    if _thread is None:  # first event in this process (a forked child starts with none)
        _ensure_thread()
    if full:
        _wake.set()
    if _stopping:  # recorded by another exit handler after ours ran: nothing else will deliver it
        _drain(True)


def flush(shadow_seconds=5.0):
    """Delivers every buffered event now, in this thread; returns True when none is left waiting.

    Shadow calls still queued or running are waited for first, at most shadow_seconds."""
    if _shadow_jobs or _shadow_running:
        _shadow_wait(shadow_seconds)
    return _drain(True)


def _at_exit():
    global _stopping
    if _shadow_jobs or _shadow_running:
        _shadow_wait(_env_number("POET_SHADOW_EXIT_SECONDS", 2.0, float))
    _stopping = True
    _wake.set()
    t = _thread
    if t is not None and _thread_pid == os.getpid() and t is not threading.current_thread():
        t.join(5.0)
    if not _drain(True):
        with _buffer_lock:
            lost = len(_buffer)
        _log.warning("poet: %d events could not be delivered before exit", lost)


_main_pid = os.getpid()
atexit.register(_at_exit)


def _after_fork_in_child():
    """A forked child starts with an empty buffer (the parent delivers its own), fresh locks and no thread."""
    global _lock, _buffer_lock, _deliver_lock, _settings_lock, _buffer, _thread, _thread_pid, _wake, _last_ms
    global _stopping, _load_lock
    _lock = threading.Lock()
    _buffer_lock = threading.Lock()
    _deliver_lock = threading.Lock()
    _settings_lock = threading.Lock()
    _load_lock = threading.RLock()
    _buffer = []
    _thread = None
    _thread_pid = None
    _stopping = False
    _wake = threading.Event()
    _last_ms = -1  # new random bits for ids: never the parent's sequence
    global _shadow_cv, _shadow_jobs, _shadow_thread, _shadow_thread_pid, _shadow_running
    _shadow_cv = threading.Condition()
    _shadow_jobs = collections.deque()
    _shadow_thread = None
    _shadow_thread_pid = None
    _shadow_running = 0
    _rng.seed()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_store_cache = {}


def _store(store):
    """The store to write to: the given one, else store_path(), remembered per POET_STORE and cwd."""
    if store is not None:
        return store
    env = os.environ.get("POET_STORE")
    key = env if env else (None if _here_is_store else os.getcwd())
    found = _store_cache.get(key)
    if found is None:
        try:
            found = store_path()
        except StoreNotFound:
            found = _remote()  # no store at hand: a poet serve named by POET_URL, if any
            if found is None:
                raise
        _store_cache[key] = found
    return found


def record(type, data=None, execution_id=None, function=None, version=None, event_id=None,
           source="python", store=None, durable=None):
    """Records one event and returns its id. event_id makes it idempotent (a repeat is counted once).

    By default the event is buffered and delivered in the background; durable=True (or
    configure(durable=True), or POET_DURABLE=1) delivers it before returning, raising if the
    store cannot be written."""
    prefix = PREFIXES.get(type) or ("custom" if isinstance(type, str) and _CUSTOM.match(type) else None)
    if prefix is None:
        raise ValueError("unknown event type %r; custom types look like x.my_team.thing" % (type,))
    if event_id is not None and not _ID.match(str(event_id)):
        raise ValueError("invalid event id %r" % (event_id,))
    if execution_id is not None and not _ID.match(str(execution_id)):
        raise ValueError("invalid execution id %r" % (execution_id,))
    if function is not None and not _FUNCTION.match(str(function)):
        raise ValueError("invalid function name %r" % (function,))
    generated, ms = new_event_id()
    event = {"id": str(event_id) if event_id is not None else generated, "type": type,
             "time": _format_time(ms), "source": source}
    if function is not None:
        event["function"] = function
    if version is not None:
        event["version"] = version
    if execution_id is not None:
        event["execution_id"] = str(execution_id)
    event["data"] = _clean(dict(data or {}))
    _emit(_store(store), prefix, event, durable)
    return event["id"]


def _emit(store, prefix, event, durable=None):
    payload = encode_event(event)
    if len(payload) > MAX_EVENT_BYTES:
        raise ValueError("event is %d bytes, over the 1 MiB limit" % len(payload))
    if durable if durable is not None else _durable:
        if isinstance(store, _Remote):
            with _deliver_lock:
                store.deliver([payload])  # sent before returning, or spooled on local disk
        else:
            _deliver(store, "%s_%s.json" % (prefix, event["id"]), payload)
    else:
        _enqueue(store, payload)


def last_execution_id():
    """The execution id of the last instrumented call in this thread."""
    return getattr(_local, "execution_id", None)


def _encode_deferred(item):
    """Encodes an execution the wrapper buffered unencoded: (ms, function, version, execution id, data)."""
    ms, function, version, execution_id, data = item
    event_id = new_event_id(ms)[0]  # the time stays the call's, even when the id's is nudged to keep ids increasing
    try:
        payload = encode_event({"id": event_id, "type": "execution.completed", "time": _format_time(ms),
                                "source": "python", "function": function, "version": version,
                                "execution_id": execution_id, "data": data})
    except (TypeError, ValueError) as e:
        _warn("poet: could not encode execution %s of %s: %s", execution_id, function, e)
        return None
    if len(payload) > MAX_EVENT_BYTES:
        _warn("poet: execution %s of %s is %d bytes, over the 1 MiB limit; not recorded", execution_id, function,
              len(payload))
        return None
    return payload


def _finish(function, version, execution_id, started, result, error, store, revision):
    data = {"success": error is None, "duration_ms": round((time.perf_counter() - started) * 1000.0, 3)}
    if error is not None:
        data["error"] = ("%s: %s" % (type(error).__name__, error))[:2000]
    if isinstance(result, dict):
        for k in DETECTION_FIELDS:
            if k in result:
                data[k] = _clean(result[k])
    if revision is not None:
        data["params_revision"] = revision
    try:
        # names and values were checked and cleaned already: the short way of record()
        if _durable or clock is not None:
            event_id, ms = new_event_id()
            _emit(store, "exec", {"id": event_id, "type": "execution.completed", "time": _format_time(ms),
                                  "source": "python", "function": function, "version": version,
                                  "execution_id": execution_id, "data": data})
        else:
            # buffered: the delivery thread gives it its id and encodes it, off the caller's time
            _enqueue(store, (int(time.time() * 1000), function, version, execution_id, data))
    except Exception as e:  # recording must never break the function it observes
        _log.warning("poet: could not record execution %s of %s: %s", execution_id, function, e)
    if isinstance(result, dict):
        result["execution_id"] = execution_id
        if result.get("drift_detected") is True:
            try:
                url = review_url(execution_id, store)
            except Exception as e:  # a review link is a convenience: never break the function for it
                _log.warning("poet: could not make a review link for %s: %s", execution_id, e)
                url = None
            if url:
                result["feedback_url"] = url
    return result


_settings_cache = {}  # store -> (stat key, settings, when checked)


def _settings(store):
    """poet.json, looked at again at most once a second and re-read only when it changed."""
    if isinstance(store, _Remote):
        return {}  # the settings live with the store, on the server's host
    now = time.monotonic()
    cached = _settings_cache.get(store)
    if cached is not None and now - cached[2] < 1.0:
        return cached[1]
    path = os.path.join(store, "poet.json")
    try:
        st = os.stat(path)
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if cached is not None and cached[0] == key:
            _settings_cache[store] = (key, cached[1], now)
            return cached[1]
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        s = s if isinstance(s, dict) else {}
        _settings_cache[store] = (key, s, now)
        return s
    except (OSError, ValueError):
        return {}


def _review_key(store, settings):
    key = os.environ.get("POET_REVIEW_KEY")
    if key:
        return key
    name = settings.get("secrets_file") or "secrets.json"
    path = os.path.join(store, name)
    try:
        if os.stat(path).st_mode & 0o077:
            _log.warning("poet: %s can be read by others; not using it (chmod 600 it)", path)
            return None
        with open(path, encoding="utf-8") as f:
            value = json.load(f).get("review_key")
        return value if isinstance(value, str) and value else None
    except (OSError, ValueError, AttributeError):
        return None


def review_token(key, execution_id, expires):
    """The review token poet checks: "<expiry>.<hex HMAC-SHA256 of poet-review|<id>|<expiry>>"."""
    import hashlib
    import hmac
    exp = int(expires)
    mac = hmac.new(key.encode("utf-8"), ("poet-review|%s|%d" % (execution_id, exp)).encode("utf-8"), hashlib.sha256)
    return "%d.%s" % (exp, mac.hexdigest())


def review_url(execution_id, store=None):
    """A signed review link for the execution, or None without a base URL and a review key.

    Base URL: POET_REVIEW_BASE_URL, else poet.json serve.base_url; key: POET_REVIEW_KEY, else
    review_key in the store's secrets file (owner-only); lifetime: serve.review_link_days (7)."""
    store = store or store_path()
    settings = _settings(store)
    serve = settings.get("serve") if isinstance(settings.get("serve"), dict) else {}
    base = os.environ.get("POET_REVIEW_BASE_URL") or serve.get("base_url")
    key = _review_key(store, settings) if base else None
    if not base or not key:
        return None
    days = serve.get("review_link_days", 7)
    days = days if isinstance(days, (int, float)) and days > 0 else 7
    import urllib.parse
    token = review_token(key, execution_id, time.time() + days * 86400)
    return "%s/poet/review/%s?token=%s" % (base.rstrip("/"), urllib.parse.quote(execution_id, safe=""),
                                           urllib.parse.quote(token, safe=""))




# --- parameters and their revisions -----------------------------------------------------------

def params_revision(value):
    """The revision of a parameters object: the first 16 hex digits of the SHA-256 of its canonical
    JSON (keys sorted, compact, UTF-8). poet computes the same from its history."""
    text = json.dumps(_clean(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_params_cache = {}   # path -> (stat key, bytes, parsed, revision)
# the running instrumented call: (function, the params object it was given or None, the live params bytes, revision)
_call = contextvars.ContextVar("poet_call", default=None)


def _live_params(path):
    """(bytes, parsed, revision) of a params file, re-read only when its stat changes; (None, {}, None) if absent."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None, {}, None
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _params_cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2], cached[3]
    with open(path, "rb") as f:
        raw = f.read()
    parsed = json.loads(raw.decode("utf-8"))
    revision = params_revision(parsed)
    _params_cache[path] = (key, raw, parsed, revision)
    return raw, parsed, revision


def _params_path(function, store):
    return os.path.join(store, function + "_params.json")


def params(function, store=None):
    """The function's live parameters from <function>_params.json ({} when it has none).

    Inside an instrumented call of the function, the parameters that call runs with (so what the
    function reads is what its execution records). Each call returns a fresh copy."""
    if not _FUNCTION.match(function):
        raise ValueError("invalid function name %r" % (function,))
    running = _call.get()
    if running is not None and running[0] == function and store is None:
        if running[1] is not None:
            return running[1]
        return json.loads(running[2].decode("utf-8")) if running[2] is not None else {}
    home = _store(store)
    if isinstance(home, _Remote):
        raise StoreNotFound("no store at hand: the parameters of %s live in the store that %s serves" % (function, home))
    raw, parsed, revision = _live_params(_params_path(function, home))
    value = json.loads(raw.decode("utf-8")) if raw is not None else {}
    issued = getattr(_local, "issued", None)
    if issued is None:
        issued = _local.issued = {}
    issued[function] = (value, revision)
    return value


def _revision_of(function, given, live, live_revision):
    """The revision of parameters a caller passed: known when params() issued them, else computed."""
    issued = getattr(_local, "issued", {}).get(function)
    if issued is not None and issued[0] is given:
        return issued[1]
    if given is None:
        return None
    if given == live:
        return live_revision
    try:
        return params_revision(given)
    except (TypeError, ValueError):
        return None


_rng = random.Random()  # seeded from os.urandom; reseeded in a forked child; never the user's random.seed


def _uuid4():
    """A random (version 4) UUID as text, as str(uuid.uuid4()) but without a system call per id."""
    v = _rng.getrandbits(128)
    v = (v & ~(0xF << 76) & ~(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    h = "%032x" % v
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def _begin():
    execution_id = _uuid4()
    _local.execution_id = execution_id
    return execution_id, time.perf_counter()


def _store_of(func):
    """The store a stored version was loaded from: the directory of its file, when that is a store."""
    f = getattr(func, "__globals__", {}).get("__file__")
    if f:
        d = os.path.dirname(os.path.realpath(f))
        if _is_store(d):
            return d
    return None


def instrument(func, function, version):
    """Wraps func so that each call records execution.completed; dict results gain execution_id.

    The execution records the parameters revision it ran with. When func takes a `params`
    argument and the caller gives none, the wrapper passes the live parameters."""
    if not _FUNCTION.match(str(function)):
        raise ValueError("invalid function name %r" % (function,))
    if not re.match(r"v[1-9][0-9]{0,8}\Z", str(version)):
        raise ValueError("invalid version %r" % (version,))
    home = _store_of(func)
    try:
        signature = inspect.signature(func)
        slot = signature.parameters.get("params")
    except (TypeError, ValueError):
        slot = None
    position = None
    if slot is not None and slot.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
        position = list(signature.parameters).index("params")
    takes_params = slot is not None and slot.kind != inspect.Parameter.POSITIONAL_ONLY

    home_params = _params_path(function, home) if home else None

    def prepare(args, kwargs):
        store = home or _store(None)
        if home_params is None and isinstance(store, _Remote):
            # no parameters file on this host: those served with the live version, if it came over HTTP
            raw, live, revision = _served_params.get(function, (None, {}, None))
        else:
            try:
                raw, live, revision = _live_params(home_params or _params_path(function, store))
            except (OSError, ValueError) as e:  # unreadable parameters: run as the caller asked, record no revision
                _warn("poet: could not read the parameters of %s: %s", function, e)
                raw, live, revision = None, {}, None
        value = None
        if slot is not None:
            if "params" in kwargs:
                value = kwargs["params"]
                revision = _revision_of(function, value, live, revision)
            elif position is not None and len(args) > position:
                value = args[position]
                revision = _revision_of(function, value, live, revision)
            elif takes_params:
                value = json.loads(raw.decode("utf-8")) if raw is not None else {}
                kwargs["params"] = value
        return store, value, raw, revision

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def async_wrapper(*args, **kwargs):
            execution_id, started = _begin()
            store, value, raw, revision = prepare(args, kwargs)
            token = _call.set((function, value, raw, revision))
            try:
                result = await func(*args, **kwargs)
            except BaseException as e:
                _finish(function, version, execution_id, started, None, e, store, revision)
                raise
            finally:
                _call.reset(token)
            out = _finish(function, version, execution_id, started, result, None, store, revision)
            if not _shadow_off:
                _shadow_after(func, function, version, execution_id, store, home, args, kwargs, value, raw, position,
                              slot is not None)
            return out
        async_wrapper.poet_version = version
        return async_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        execution_id, started = _begin()
        store, value, raw, revision = prepare(args, kwargs)
        token = _call.set((function, value, raw, revision))
        try:
            result = func(*args, **kwargs)
        except BaseException as e:
            _finish(function, version, execution_id, started, None, e, store, revision)
            raise
        finally:
            _call.reset(token)
        out = _finish(function, version, execution_id, started, result, None, store, revision)
        if not _shadow_off:
            _shadow_after(func, function, version, execution_id, store, home, args, kwargs, value, raw, position,
                          slot is not None)
        return out
    wrapper.poet_version = version
    return wrapper


# --- shadow candidates -----------------------------------------------------------------------
# A shadow (<function>_shadow.json, or served with the live version by poet serve) runs the live
# code with some parameters changed, on the same inputs, after the live call returned: on its own
# thread, never in the caller's way. Its decision is recorded as execution.shadow under the same
# execution id; a shadow that raises, is slow or cannot keep up is recorded as failed or skipped,
# and the caller never sees it. POET_SHADOW=off turns shadows off in a process.

SHADOW_QUEUE = 256          # shadow calls waiting beyond this are skipped (the live calls are not slowed)
SHADOW_CHECK_SECONDS = 1.0  # how often a process looks again at a function's shadow registration
_shadow_off = os.environ.get("POET_SHADOW", "").strip().lower() in ("off", "0", "false", "no")
_shadow_cache = {}   # path -> (checked at, stat key, registration or None)
_served_shadow = {}  # function -> registration served with the live version over HTTP
_shadow_jobs = collections.deque()
_shadow_cv = threading.Condition()
_shadow_thread = None
_shadow_thread_pid = None
_shadow_running = 0
_shadow_skipped = 0


_VERSION = re.compile(r"v[1-9][0-9]{0,8}\Z")


def _valid_shadow(reg):
    if not (isinstance(reg, dict) and isinstance(reg.get("id"), str) and isinstance(reg.get("overlay"), dict)):
        return False
    kind = reg.get("kind", "params")
    if kind == "params":
        return True
    return kind == "code" and isinstance(reg.get("shadow_version"), str) and bool(_VERSION.match(reg["shadow_version"]))


_shadow_modules = {}  # (store or url, shadow id) -> the function a code shadow runs


def _shadow_target(reg, func, function, store, home):
    """What the shadow calls: the live function itself, or the undecorated function of the shadow's version."""
    if reg.get("kind", "params") != "code":
        return func
    where = home or (store.url if isinstance(store, _Remote) else store)
    key = (where, reg["id"])
    target = _shadow_modules.get(key)
    if target is None:
        if home is None and isinstance(store, _Remote):
            import types
            mod = types.ModuleType("%s_%s_shadow" % (function, reg["shadow_version"]))
            exec(compile(reg["code"], "<poet shadow %s %s>" % (function, reg["shadow_version"]), "exec"), mod.__dict__)
        else:
            mod = _module(where, function, reg["shadow_version"])
        target = getattr(mod, function)
        target = getattr(target, "__wrapped__", target)  # the version's own code, not its recording wrapper
        _shadow_modules.clear()  # one shadow at a time: the previous one's module is not needed
        _shadow_modules[key] = target
    return target


def _shadow_registration(function, store, home):
    """The function's shadow registration, looked at again at most once a second; None when it has none."""
    if home is None and isinstance(store, _Remote):
        return _served_shadow.get(function)
    path = os.path.join(home or store, function + "_shadow.json")
    now = time.monotonic()
    cached = _shadow_cache.get(path)
    if cached is not None and now - cached[0] < SHADOW_CHECK_SECONDS:
        return cached[2]
    try:
        st = os.stat(path)
    except OSError:
        _shadow_cache[path] = (now, None, None)
        return None
    key = (st.st_mtime_ns, st.st_size, st.st_ino)
    if cached is not None and cached[1] == key:
        _shadow_cache[path] = (now, key, cached[2])
        return cached[2]
    reg = None
    try:
        with open(path, "rb") as f:
            reg = json.loads(f.read().decode("utf-8"))
        if not _valid_shadow(reg):
            _warn("poet: %s is not a shadow registration this runtime can run; no shadow runs", path)
            reg = None
    except (OSError, ValueError) as e:
        _warn("poet: could not read %s (%s); no shadow runs", path, e)
        reg = None
    _shadow_cache[path] = (now, key, reg)
    return reg


def _shadow_after(func, function, version, execution_id, store, home, args, kwargs, value, raw, position, has_slot):
    """After a live call that returned: queues the shadow's call on the same inputs, if one runs. Never raises."""
    global _shadow_skipped
    try:
        reg = _shadow_registration(function, store, home)
        if reg is None:
            return
        sample = reg.get("sample", 1.0)
        if isinstance(sample, (int, float)) and sample < 1.0 and _rng.random() >= sample:
            return
        job = (reg, func, function, version, execution_id, store, home, args, dict(kwargs), value, raw, position, has_slot)
        with _shadow_cv:
            if len(_shadow_jobs) >= SHADOW_QUEUE:
                _shadow_skipped += 1
                if _shadow_skipped in (1, 10, 100) or _shadow_skipped % 1000 == 0:
                    _warn("poet: the shadow of %s cannot keep up; skipped %d shadow calls", function, _shadow_skipped)
                return
            _shadow_jobs.append(job)
            _shadow_cv.notify()
        _ensure_shadow_thread()
    except Exception as e:  # a shadow must never reach the caller
        _warn("poet: could not start the shadow of %s: %s", function, e)


def _ensure_shadow_thread():
    global _shadow_thread, _shadow_thread_pid
    pid = os.getpid()
    if _shadow_thread_pid == pid and _shadow_thread is not None:
        return
    with _settings_lock:
        if _shadow_thread_pid == pid and _shadow_thread is not None:
            return
        t = threading.Thread(target=_shadow_loop, name="poet-shadow", daemon=True)
        t.start()
        _shadow_thread, _shadow_thread_pid = t, pid


def _shadow_loop():
    global _shadow_running
    while True:
        with _shadow_cv:
            while not _shadow_jobs:
                _shadow_cv.wait()
            job = _shadow_jobs.popleft()
            _shadow_running += 1
        try:
            _shadow_call(*job)
        except Exception as e:  # never let the shadow thread die
            _warn("poet: a shadow call could not be recorded: %s", e)
        finally:
            with _shadow_cv:
                _shadow_running -= 1
                _shadow_cv.notify_all()
        # hand the interpreter lock back between shadow calls: a caller waiting for it would
        # otherwise wait up to the switch interval (5 ms) while queued shadow calls run
        time.sleep(0)


def _shadow_call(reg, func, function, version, execution_id, store, home, args, kwargs, value, raw, position, has_slot):
    """Runs the shadow on the live call's inputs with its overlay laid over the call's parameters; records it."""
    if isinstance(value, dict):
        base = value
    else:
        base = json.loads(raw.decode("utf-8")) if raw is not None else {}
    shadow_params = dict(base)
    shadow_params.update(reg["overlay"])
    revision = params_revision(shadow_params)
    args = list(args)
    if has_slot:
        if position is not None and len(args) > position:
            args[position] = shadow_params
        else:
            kwargs["params"] = shadow_params
    token = _call.set((function, shadow_params, None, revision))
    started = time.perf_counter()
    result, error = None, None
    try:
        result = _shadow_target(reg, func, function, store, home)(*args, **kwargs)
        if inspect.isawaitable(result):
            import asyncio
            result = asyncio.run(result)
    except BaseException as e:  # whatever the shadow does stays here
        error = "%s: %s" % (type(e).__name__, e)
    finally:
        _call.reset(token)
    duration = round((time.perf_counter() - started) * 1000.0, 3)
    data = {"shadow": reg["id"], "success": error is None, "duration_ms": duration}
    timeout = reg.get("timeout_ms", 2000)
    if error is None and isinstance(timeout, (int, float)) and duration > timeout:
        error = "slow: took %.0f ms, over the shadow's budget of %d ms" % (duration, timeout)
    if error is None and not (isinstance(result, dict) and isinstance(result.get("drift_detected"), bool)):
        error = "the shadow's result has no drift_detected"
    if error is not None:
        data["success"] = False
        data["error"] = error[:2000]
    elif isinstance(result, dict):
        for k in ("drift_detected", "p_value", "statistic", "tests"):
            if k in result:
                data[k] = _clean(result[k])
    data["params_revision"] = revision
    if reg.get("kind") == "code":
        data["shadow_version"] = reg["shadow_version"]
    event_id, ms = new_event_id()
    event = {"id": event_id, "type": "execution.shadow", "time": _format_time(ms), "source": "python",
             "function": function, "version": version, "execution_id": execution_id, "data": data}
    try:
        payload = encode_event(event)
    except (TypeError, ValueError) as e:
        data.pop("tests", None)
        data.pop("p_value", None)
        data.pop("statistic", None)
        data["success"] = False
        data["error"] = "the shadow's result cannot be recorded: %s" % e
        payload = encode_event(event)
    if _durable or clock is not None:
        _emit(store, "exec", event)
    else:
        _enqueue(store, payload)


def _shadow_wait(seconds):
    """Waits until no shadow call is queued or running, at most `seconds`; True when none is."""
    deadline = time.monotonic() + seconds
    with _shadow_cv:
        while _shadow_jobs or _shadow_running:
            left = deadline - time.monotonic()
            if left <= 0 or _shadow_thread is None or _shadow_thread_pid != os.getpid():
                return not _shadow_jobs and not _shadow_running
            _shadow_cv.wait(left)
    return True


# --- following the live version ---------------------------------------------------------------

_load_lock = threading.RLock()
_modules = {}    # (store, function, version) -> module
_current = {}    # (store, function) -> (link target or stat key, version, module)
_COPY_MARK = "# poet-current: "


def _current_version(store, function):
    """(what identifies the current link's state, version it names), with a cheap system call."""
    link = os.path.join(store, function + "_current.py")
    try:
        target = os.readlink(link)
    except FileNotFoundError:
        raise ModuleNotFoundError("no function %s in the poet store %s (no %s_current.py)" % (function, store, function),
                                  name=function + "_current")
    except OSError as e:
        if e.errno != errno.EINVAL:
            raise
        # no symbolic links here: current is a copy whose first line names the version
        st = os.stat(link)
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = _current.get((store, function))
        if cached is not None and cached[0] == key:
            return key, cached[1]
        with open(link, "r", encoding="utf-8") as f:
            first = f.readline()
        if not first.startswith(_COPY_MARK):
            raise ImportError("%s is not a poet current file" % link)
        return key, first[len(_COPY_MARK):].strip()
    m = re.match(re.escape(function) + r"_(v[1-9][0-9]{0,8})\.py\Z", target)
    if m is None:
        raise ImportError("%s points at %r, which is not a version of %s in the store; poet does not follow it"
                          % (link, target, function))
    return target, m.group(1)


def _module(store, function, version):
    key = (store, function, version)
    mod = _modules.get(key)
    if mod is not None:
        return mod
    with _load_lock:
        mod = _modules.get(key)
        if mod is not None:
            return mod
        path = os.path.join(store, "%s_%s.py" % (function, version))
        name = "%s_%s" % (function, version)
        if store not in sys.path:
            sys.path.insert(0, store)  # so the version's own `import poet_runtime` finds this store's
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError("cannot load %s" % path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules.setdefault(name, mod)
        _modules[key] = mod
        return mod


def _resolve(store, function, link=None):
    """The module of the live version: one readlink when nothing changed."""
    cached = _current.get((store, function))
    if cached is not None and link is not None and type(cached[0]) is str:
        try:
            if os.readlink(link) == cached[0]:
                return cached[2]  # the common case: current still names the version last seen
        except OSError:
            pass
    try:
        state, version = _current_version(store, function)
    except (OSError, ImportError) as e:
        if cached is None:
            raise
        _warn("poet: %s_current.py cannot be read (%s); still running %s", function, e, cached[1])
        return cached[2]
    if cached is not None and cached[0] == state:
        return cached[2]
    mod = _module(store, function, version)
    _current[(store, function)] = (state, version, mod)
    return mod


class _Live(object):
    """What load() returns: reads like the live version's module, and follows deploys and rollbacks.

    Attribute `<function>` is a callable that runs the version live at each call; other
    attributes are read from the live version's module at the time they are read."""

    def __init__(self, store, function):
        object.__setattr__(self, "_poet_store", store)
        object.__setattr__(self, "_poet_function", function)

        link = os.path.join(store, function + "_current.py")
        first = getattr(_resolve(store, function), function)
        if inspect.iscoroutinefunction(first):
            async def live(*args, **kwargs):
                result = getattr(_resolve(store, function, link), function)(*args, **kwargs)
                return (await result) if inspect.isawaitable(result) else result
        else:
            def live(*args, **kwargs):
                return getattr(_resolve(store, function, link), function)(*args, **kwargs)
        functools.update_wrapper(live, first)
        del live.__wrapped__               # its signature and version are the live one's, not this one's
        live.__dict__.pop("poet_version", None)
        object.__setattr__(self, "_poet_call", live)

    def __getattr__(self, name):
        if name == self._poet_function:
            return self._poet_call
        return getattr(_resolve(self._poet_store, self._poet_function), name)

    @property
    def poet_version(self):
        """The version that the next call runs."""
        return _current_version(self._poet_store, self._poet_function)[1]

    def __repr__(self):
        return "<poet live module %s from %s>" % (self._poet_function, self._poet_store)


_served_params = {}  # function -> (raw bytes, parsed, revision) of the version served over HTTP


class _RemoteLive(object):
    """What load() returns on a host without the store (POET_URL): the live version fetched from
    GET /poet/functions/<fn>, asked again with its ETag at most every POET_POLL_SECONDS (default 5),
    so a deploy, rollback or parameter change on the server reaches the next call after that.
    Each version's code is compiled once and kept; while the server cannot be reached the version
    last fetched keeps running (with a warning at most once a minute)."""

    def __init__(self, remote, function):
        object.__setattr__(self, "_poet_remote", remote)
        object.__setattr__(self, "_poet_function", function)
        object.__setattr__(self, "_poet_url", remote.url[:-len("/poet/events")] + "/poet/functions/" + function)
        object.__setattr__(self, "_poet_state", None)  # (etag, version, module)
        object.__setattr__(self, "_poet_checked", 0.0)
        object.__setattr__(self, "_poet_lock", threading.Lock())
        first = getattr(self._poet_module(), function)

        def live(*args, **kwargs):
            return getattr(self._poet_module(), function)(*args, **kwargs)
        functools.update_wrapper(live, first)
        del live.__wrapped__
        live.__dict__.pop("poet_version", None)
        object.__setattr__(self, "_poet_call", live)

    def _poet_fetch(self, etag):
        import urllib.error
        import urllib.request
        token = os.environ.get("POET_FUNCTIONS_TOKEN") or self._poet_remote.token or ""
        headers = {"Authorization": "Bearer %s" % token}
        if etag:
            headers["If-None-Match"] = etag
        req = urllib.request.Request(self._poet_url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=_REMOTE_TIMEOUT) as r:
                return r.headers.get("ETag"), json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code == 304:
                return etag, None
            raise

    def _poet_module(self):
        state = self._poet_state
        now = time.monotonic()
        if state is not None and now - self._poet_checked < _env_number("POET_POLL_SECONDS", 5.0, float):
            return state[2]
        with self._poet_lock:
            state = self._poet_state
            if state is not None and time.monotonic() - self._poet_checked < _env_number("POET_POLL_SECONDS", 5.0, float):
                return state[2]
            try:
                etag, answer = self._poet_fetch(state[0] if state else None)
            except Exception as e:
                if state is None:
                    raise ImportError("cannot load %s from %s: %s" % (self._poet_function, self._poet_url, e))
                object.__setattr__(self, "_poet_checked", time.monotonic())
                _warn("poet: cannot reach %s (%s); still running %s", self._poet_url, e, state[1])
                return state[2]
            object.__setattr__(self, "_poet_checked", time.monotonic())
            if answer is None:
                return state[2]
            version = answer["version"]
            key = (self._poet_url, version, answer.get("params_revision"))
            mod = _modules.get(key)
            if mod is None:
                import types
                mod = types.ModuleType("%s_%s" % (self._poet_function, version))
                mod.__dict__["__poet_source__"] = self._poet_url
                exec(compile(answer["code"], "<poet %s %s from %s>" % (self._poet_function, version, self._poet_url),
                             "exec"), mod.__dict__)
                _modules[key] = mod
            params = answer.get("params")
            raw = json.dumps(params).encode("utf-8") if params is not None else None
            _served_params[self._poet_function] = (raw, params if params is not None else {}, answer.get("params_revision"))
            shadow = answer.get("shadow")
            if _valid_shadow(shadow):
                _served_shadow[self._poet_function] = shadow
            else:
                _served_shadow.pop(self._poet_function, None)
            object.__setattr__(self, "_poet_state", (etag, version, mod))
            return mod

    def __getattr__(self, name):
        if name == self._poet_function:
            return self._poet_call
        return getattr(self._poet_module(), name)

    @property
    def poet_version(self):
        """The version that the next call runs."""
        self._poet_module()
        return self._poet_state[1]

    def __repr__(self):
        return "<poet live module %s from %s>" % (self._poet_function, self._poet_url)


def load(function, store=None):
    """The function's live version, following `current`: load("f").f runs, at each call, the version
    current names then (after a deploy, rollback or parameter revision, from the next call on).
    On a host without the store, with POET_URL set, the version comes from that poet serve."""
    if not _FUNCTION.match(function):
        raise ValueError("invalid function name %r" % (function,))
    d = os.path.abspath(store) if store else _store(None)
    if isinstance(d, _Remote):
        return _RemoteLive(d, function)
    if d not in sys.path:
        sys.path.insert(0, d)
    _resolve(d, function)
    return _Live(d, function)
