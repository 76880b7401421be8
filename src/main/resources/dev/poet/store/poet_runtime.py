"""poet runtime: records events for functions managed by poet.

Standard library only. `poet init` writes this file into the store and replaces it when poet
is upgraded, so do not edit it. Events are delivered with the store's Maildir protocol
(exclusive tmp file, fsync, link into pending/, fsync the directory) and encoded exactly as
the poet command line encodes them, byte for byte.

    import poet_runtime
    detect_drift = poet_runtime.load("detect_drift").detect_drift   # the live version
    poet_runtime.record("drift.validation", {"was_real_drift": False}, execution_id=eid)
"""
import errno
import functools
import importlib
import inspect
import json
import logging
import math
import os
import re
import secrets
import sys
import threading
import time
import uuid

__all__ = ["record", "instrument", "load", "params", "store_path", "new_event_id",
           "last_execution_id", "encode_event", "review_url", "review_token", "clock", "StoreNotFound"]

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
    "version.deployed": "version", "version.rolled_back": "version",
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
            return "".join(_ALPHABET[(v >> (5 * i)) & 31] for i in range(25, -1, -1)), ms
        if ms is None:
            ms = int(time.time() * 1000)
        if ms <= _last_ms:
            ms = _last_ms
            _last_rand += 1
        else:
            _last_ms = ms
            _last_rand = int.from_bytes(os.urandom(10), "big") & ((1 << 79) - 1)
        v = (ms << 80) | _last_rand
    return "".join(_ALPHABET[(v >> (5 * i)) & 31] for i in range(25, -1, -1)), ms


def _format_time(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


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


def encode_event(event):
    """The canonical bytes of an event: compact JSON, as the poet CLI writes it, and a newline."""
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.encode("utf-8", "backslashreplace") + b"\n"


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


def _deliver(store, name, payload):
    """Maildir delivery; returns (path, duplicate)."""
    events = os.path.join(store, "events")
    pending = os.path.join(events, "pending", name)
    quarantined = os.path.join(events, "failed", name)
    if os.path.exists(quarantined):
        return quarantined, True
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


def record(type, data=None, execution_id=None, function=None, version=None, event_id=None,
           source="python", store=None):
    """Delivers one event and returns its id. event_id makes delivery idempotent."""
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
    payload = encode_event(event)
    if len(payload) > MAX_EVENT_BYTES:
        raise ValueError("event is %d bytes, over the 1 MiB limit" % len(payload))
    _deliver(store or store_path(), "%s_%s.json" % (prefix, event["id"]), payload)
    return event["id"]


def last_execution_id():
    """The execution id of the last instrumented call in this thread."""
    return getattr(_local, "execution_id", None)


def _finish(function, version, execution_id, started, result, error):
    data = {"success": error is None, "duration_ms": round((time.perf_counter() - started) * 1000.0, 3)}
    if error is not None:
        data["error"] = ("%s: %s" % (type(error).__name__, error))[:2000]
    if isinstance(result, dict):
        for k in DETECTION_FIELDS:
            if k in result:
                data[k] = _clean(result[k])
    try:
        record("execution.completed", data, execution_id=execution_id, function=function, version=version)
    except Exception as e:  # recording must never break the function it observes
        _log.warning("poet: could not record execution %s of %s: %s", execution_id, function, e)
    if isinstance(result, dict):
        result["execution_id"] = execution_id
        if result.get("drift_detected") is True:
            try:
                url = review_url(execution_id)
            except Exception as e:  # a review link is a convenience: never break the function for it
                _log.warning("poet: could not make a review link for %s: %s", execution_id, e)
                url = None
            if url:
                result["feedback_url"] = url
    return result


def _settings(store):
    try:
        with open(os.path.join(store, "poet.json"), encoding="utf-8") as f:
            s = json.load(f)
        return s if isinstance(s, dict) else {}
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


def _begin():
    execution_id = str(uuid.uuid4())
    _local.execution_id = execution_id
    return execution_id, time.perf_counter()


def instrument(func, function, version):
    """Wraps func so that each call records execution.completed; dict results gain execution_id."""
    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def async_wrapper(*args, **kwargs):
            execution_id, started = _begin()
            try:
                result = await func(*args, **kwargs)
            except BaseException as e:
                _finish(function, version, execution_id, started, None, e)
                raise
            return _finish(function, version, execution_id, started, result, None)
        async_wrapper.poet_version = version
        return async_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        execution_id, started = _begin()
        try:
            result = func(*args, **kwargs)
        except BaseException as e:
            _finish(function, version, execution_id, started, None, e)
            raise
        return _finish(function, version, execution_id, started, result, None)
    wrapper.poet_version = version
    return wrapper


def params(function, store=None):
    """The function's live parameters from <function>_params.json ({} when it has none)."""
    if not _FUNCTION.match(function):
        raise ValueError("invalid function name %r" % (function,))
    path = os.path.join(store or store_path(), function + "_params.json")
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def load(function, store=None):
    """Imports and returns the module of the function's live version (<function>_current.py)."""
    if not _FUNCTION.match(function):
        raise ValueError("invalid function name %r" % (function,))
    d = store or store_path()
    if d not in sys.path:
        sys.path.insert(0, d)
    return importlib.import_module(function + "_current")
