#!/usr/bin/env python3
"""Writes the hostile-input corpus next to this script: bad inputs for poet's CLI, ingesters and
HTTP endpoints, each a file the tests feed in (HostileInputTest). Run it again after changing it:

    python3 src/test/resources/hostile/make_corpus.py

Directories: cli-event (for `poet record --event`), ingest-pagerduty, ingest-slack, ingest-mlflow,
ingest-aws-cost (for `poet ingest ...`), http-feedback, http-pagerduty (signed correctly by the
test), http-slack (form bodies, signed by the test). Every file must be refused: nothing written.
"""
import json, os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
EXEC = "6f1c0d9e-6b1f-4a53-9d6e-3f1a2b7c9e10"
BAD_IDS = ["../../etc/passwd", "/etc/passwd", "a/b", "..", ".", ".hidden", "a\\b", "a\u0000b", "x" * 200, "",
           " ", "-rf", "id with space", "\u202eevil", "a\nb", "💥", "C:\\x"]
BAD_SCALARS = [None, True, 1, -1, 1.5, "x", [], {}, [1, 2], {"a": 1}]
WEIRD_TEXT = [b"", b"   ", b"null", b"true", b"42", b"\"str\"", b"[]", b"{", b"}", b"{\"a\":", b"{'a': 1}", b"{a: 1}",
              b"{\"a\": 1,}", b"[1, 2,]", b"{\"a\": NaN}", b"{\"a\": Infinity}", b"{\"a\": -Infinity}", b"{\"a\": 01}",
              b"{\"a\": 1e400}", b"{\"a\": .5}", b"{\"a\": \"\\x41\"}", b"{\"a\": \"\\ud800\"}", b"\xef\xbb\xbf{}",
              b"{\"a\": \"\xff\xfe\"}", b"{\"a\": \"\xc0\xaf\"}", b"{\"a\": \"\xed\xa0\x80\"}", b"\x00", b"// c\n{}",
              b"{\"a\":1}{\"b\":2}", b"[" * 5000 + b"]" * 5000, b"{\"a\":" * 3000 + b"1" + b"}" * 3000]

def write(d, name, data):
    os.makedirs(os.path.join(HERE, d), exist_ok=True)
    with open(os.path.join(HERE, d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))

def mutate(base, required):
    """Each required field removed, and set to each wrong scalar."""
    out = []
    for path in required:
        *parents, key = path
        for variant in ["missing"] + [json.dumps(v) for v in BAD_SCALARS]:
            m = json.loads(json.dumps(base))
            node = m
            for p in parents:
                node = node[p]
            if variant == "missing":
                node.pop(key, None)
            else:
                v = json.loads(variant)
                old = node.get(key)
                same_kind = (isinstance(v, bool) == isinstance(old, bool)) and (
                    (isinstance(v, (int, float)) and isinstance(old, (int, float))) or type(v) == type(old))
                if same_kind:
                    continue  # a value of the right kind may well be valid: wrong kinds only
                node[key] = v
            out.append(("%s-%s" % ("-".join(map(str, path)), variant.replace('"', "").replace(" ", "")[:12] or "empty"), m))
    return out

def main():
    for d in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, d)):
            shutil.rmtree(os.path.join(HERE, d))
    # poet record --event
    event = {"type": "drift.validation", "time": "2026-11-27T10:00:00Z", "source": "t", "execution_id": EXEC,
             "data": {"was_real_drift": False}}
    n = 0
    for i, t in enumerate(WEIRD_TEXT):
        write("cli-event", "text-%02d.json" % i, t); n += 1
    for name, m in mutate(event, [("type",), ("time",), ("source",), ("data",), ("data", "was_real_drift")]):
        if name.split("-")[0] in ("time", "source") and (name.endswith("-missing") or name.endswith("-null")):
            continue  # optional in record --event: now and "cli" stand in
        write("cli-event", "field-%s.json" % name, m); n += 1
    for i, bad in enumerate(BAD_IDS):
        write("cli-event", "id-%02d.json" % i, dict(event, id=bad)); n += 1
        write("cli-event", "exec-%02d.json" % i, dict(event, execution_id=bad)); n += 1
        write("cli-event", "function-%02d.json" % i, dict(event, function=bad)); n += 1
    for name, extra in [("correlation", {"correlation": {"execution_id": EXEC}}), ("unknown-envelope", {"colour": "red"}),
                        ("custom-bad-type", {"type": "x.Bad Team.thing"}), ("unknown-type", {"type": "drift.unknown"}),
                        ("version-bad", {"version": "version2"}), ("time-nonsense", {"time": "yesterday"}),
                        ("time-no-offset", {"time": "2026-11-27T10:00:00"}), ("huge-number", {"data": {"was_real_drift": 1e308}})]:
        write("cli-event", "envelope-%s.json" % name, dict(event, **extra)); n += 1
    write("cli-event", "oversized.json", dict(event, data={"was_real_drift": False, "reason": "x" * (1 << 20)})); n += 1
    exec_event = {"type": "execution.completed", "time": "2026-11-27T10:00:00Z", "source": "t", "function": "detect_drift",
                  "version": "v1", "execution_id": EXEC, "data": {"success": True, "duration_ms": 3}}
    for name, m in mutate(exec_event, [("function",), ("version",), ("data", "success"), ("data", "duration_ms")]):
        write("cli-event", "exec-field-%s.json" % name, m); n += 1
    for k, v in [("p_value", 1.5), ("p_value", -0.1), ("duration_ms", -1), ("cost_usd", -3), ("drift_detected", "yes")]:
        write("cli-event", "exec-range-%s-%s.json" % (k, v), dict(exec_event, data=dict(exec_event["data"], **{k: v}))); n += 1
    # ingest pagerduty
    pd = {"event": {"id": "01X", "event_type": "incident.triggered", "resource_type": "incident",
                    "occurred_at": "2026-11-27T10:00:00Z", "data": {"id": "PGR0VU2", "type": "incident"}}}
    for i, t in enumerate(WEIRD_TEXT[:20]):
        write("ingest-pagerduty", "text-%02d.json" % i, t); n += 1
    for name, m in mutate(pd, [("event",), ("event", "event_type"), ("event", "data"), ("event", "data", "id"),
                               ("event", "occurred_at")]):
        if name.startswith("event-occurred_at-missing") or name.startswith("event-occurred_at-null"):
            continue  # optional: the delivery time stands in
        write("ingest-pagerduty", "field-%s.json" % name, m); n += 1
    # ingest slack
    sl = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_id": "poet_false_positive", "value": EXEC,
                                                                       "action_ts": "1764237570.1"}]}
    for i, t in enumerate(WEIRD_TEXT[:20]):
        write("ingest-slack", "text-%02d.json" % i, t); n += 1
    for name, m in mutate(sl, [("actions",), ("actions", 0, "value"), ("actions", 0, "action_ts")]):
        if "action_ts-missing" in name or "action_ts-null" in name:
            continue  # optional
        write("ingest-slack", "field-%s.json" % name, m); n += 1
    for i, bad in enumerate(BAD_IDS[:10]):
        m = json.loads(json.dumps(sl)); m["actions"][0]["value"] = bad
        write("ingest-slack", "value-id-%02d.json" % i, m); n += 1
    # ingest mlflow (saved responses)
    ml = {"runs": [{"info": {"run_id": "r1", "end_time": 1764237570000},
                    "data": {"tags": [{"key": "poet.drift_validation", "value": "false_positive"},
                                      {"key": "poet.execution_id", "value": EXEC}]}}]}
    for name, m in mutate(ml, [("runs",), ("runs", 0, "info"), ("runs", 0, "info", "run_id")]):
        write("ingest-mlflow", "field-%s.json" % name, m); n += 1
    for i, v in enumerate(["maybe", "", "FALSE POSITIVE!!", "1"]):
        m = json.loads(json.dumps(ml)); m["runs"][0]["data"]["tags"][0]["value"] = v
        write("ingest-mlflow", "verdict-%d.json" % i, m); n += 1
    for i, bad in enumerate(BAD_IDS[:8]):
        m = json.loads(json.dumps(ml)); m["runs"][0]["data"]["tags"][1]["value"] = bad; m["runs"][0]["info"]["run_id"] = "r/" + str(i)
        write("ingest-mlflow", "execution-tag-%02d.json" % i, m); n += 1
    # ingest aws-cost
    ac = {"ResultsByTime": [{"TimePeriod": {"Start": "2026-11-26", "End": "2026-11-27"},
                             "Groups": [{"Keys": ["poet:execution_id$" + EXEC],
                                         "Metrics": {"UnblendedCost": {"Amount": "0.01", "Unit": "USD"}}}]}]}
    for name, m in mutate(ac, [("ResultsByTime",), ("ResultsByTime", 0, "Groups", 0, "Keys"),
                               ("ResultsByTime", 0, "Groups", 0, "Metrics")]):
        write("ingest-aws-cost", "field-%s.json" % name, m); n += 1
    for i, amount in enumerate(["-5", "abc", "1e999999", "NaN", "", "0x10"]):
        m = json.loads(json.dumps(ac)); m["ResultsByTime"][0]["Groups"][0]["Metrics"]["UnblendedCost"]["Amount"] = amount
        write("ingest-aws-cost", "amount-%d.json" % i, m); n += 1
    for i, bad in enumerate(BAD_IDS[:8]):
        m = json.loads(json.dumps(ac)); m["ResultsByTime"][0]["Groups"][0]["Keys"] = ["poet:execution_id$" + bad]
        write("ingest-aws-cost", "tag-%02d.json" % i, m); n += 1
    # http: feedback API bodies (sent with a valid bearer token)
    fb = {"execution_id": EXEC, "was_real_drift": False}
    for i, t in enumerate(WEIRD_TEXT):
        write("http-feedback", "text-%02d.json" % i, t); n += 1
    for name, m in mutate(fb, [("execution_id",), ("was_real_drift",)]):
        write("http-feedback", "field-%s.json" % name, m); n += 1
    for i, bad in enumerate(BAD_IDS):
        write("http-feedback", "id-%02d.json" % i, dict(fb, execution_id=bad)); n += 1
    for k in ["reason", "business_context", "validator"]:
        for v in [1, [], {}, True]:
            write("http-feedback", "type-%s-%s.json" % (k, json.dumps(v)), dict(fb, **{k: v})); n += 1
    write("http-feedback", "oversized.json", dict(fb, reason="x" * ((1 << 20) + 10))); n += 1
    # http: PagerDuty webhooks (the test signs each body correctly: the content is what is bad)
    for i, t in enumerate(WEIRD_TEXT):
        write("http-pagerduty", "text-%02d.json" % i, t); n += 1
    for name, m in mutate(pd, [("event",), ("event", "event_type"), ("event", "data"), ("event", "data", "id")]):
        write("http-pagerduty", "field-%s.json" % name, m); n += 1
    # http: Slack form bodies (signed by the test)
    for i, t in enumerate([b"", b"payload=", b"payload=%7B", b"nopayload=1", b"payload=%ZZ", b"payload=null",
                           b"payload=%5B%5D", b"payload=" + b"%7B%22a%22%3A" * 500]):
        write("http-slack", "form-%02d.txt" % i, t); n += 1
    from urllib.parse import quote
    for name, m in mutate(sl, [("actions",), ("actions", 0, "value")]):
        write("http-slack", "field-%s.txt" % name, ("payload=" + quote(json.dumps(m))).encode()); n += 1
    print("wrote %d files" % n)

main()
