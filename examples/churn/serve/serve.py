"""The churn model (train.py's model.joblib, scikit-learn) served over HTTP, standard library only
besides joblib and scikit-learn:

    python serve/serve.py --model-dir model --version v1            # listens on a free 127.0.0.1 port
    PORT=8080 python serve/serve.py --model-dir model --version v1  # 0.0.0.0:8080 (an image)

It prints `listening PORT` once it answers. The API is the Node stand-in's (serve/model-server.mjs):
  POST /predict {"features": [tenure_months, support_tickets, monthly_spend, country_fr]}
      (train.py's scaled features, in features.json's order, or an object keyed by those names)
      → 200 {"version", "prediction": 0|1, "probability"}; 400 on a body that is not that
  GET /healthz → {"ok": true, "version"}
  GET /metrics → Prometheus text: model_requests_total{version,code},
      model_request_duration_seconds (histogram)

Faults, for rollout tests and drills (a canary that is bad in one way only):
  --errors PCT        that share of predictions answers HTTP 500, spread evenly (5 → every 20th)
  --latency-ms MS     every prediction waits MS more before it answers
  --crash-after N     the process dies (exit 1, no answer) on the N-th prediction
  --flip              answers 1 - prediction: fast, error-free and wrong
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MAX_BODY = 64 * 1024
BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Serve the churn model over HTTP.")
    parser.add_argument("--model-dir", default="model", help="train.py's --model-dir")
    parser.add_argument("--version", default="v1", help="the name answers carry")
    parser.add_argument("--host", default=None, help="default 127.0.0.1, or 0.0.0.0 with PORT set")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")))
    parser.add_argument("--errors", type=float, default=0.0, metavar="PCT")
    parser.add_argument("--latency-ms", type=float, default=0.0, metavar="MS")
    parser.add_argument("--crash-after", type=int, default=0, metavar="N")
    parser.add_argument("--flip", action="store_true")
    args = parser.parse_args(argv)
    if not 0 <= args.errors <= 100:
        parser.error("--errors is a percentage between 0 and 100")
    if args.latency_ms < 0 or args.crash_after < 0:
        parser.error("--latency-ms and --crash-after are not negative")
    if args.host is None:
        args.host = "0.0.0.0" if os.environ.get("PORT") else "127.0.0.1"
    return args


class Model:
    """model.joblib and its feature order; one prediction at a time per thread."""

    def __init__(self, model_dir):
        import joblib
        import numpy

        self.numpy = numpy
        folder = Path(model_dir)
        self.model = joblib.load(folder / "model.joblib")
        self.features = json.loads((folder / "features.json").read_text())
        if getattr(self.model, "n_features_in_", len(self.features)) != len(self.features):
            raise SystemExit(f"{folder}: features.json names {len(self.features)} features, the model takes "
                             f"{self.model.n_features_in_}")

    def row(self, features):
        """The feature vector from a list in order or an object by name; ValueError says why not."""
        if isinstance(features, dict):
            missing = [name for name in self.features if name not in features]
            if missing:
                raise ValueError(f"features lacks {', '.join(missing)}")
            features = [features[name] for name in self.features]
        if not isinstance(features, list) or len(features) != len(self.features):
            raise ValueError(f"features is a list of {len(self.features)} numbers ({', '.join(self.features)})")
        values = []
        for value in features:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("features are numbers")
            values.append(float(value))
        if not all(self.numpy.isfinite(values)):
            raise ValueError("features are finite numbers")
        return values

    def predict(self, row):
        probability = float(self.model.predict_proba(self.numpy.array([row]))[0, 1])
        return (1 if probability >= 0.5 else 0), probability


class Stats:
    """Counters for /metrics, and the fault schedule, under one lock."""

    def __init__(self, version, args):
        self.version = version
        self.args = args
        self.lock = threading.Lock()
        self.codes = {}
        self.histogram = [0] * len(BUCKETS)
        self.total = 0
        self.seconds = 0.0
        self.predictions = 0
        self.errors_owed = 0.0

    def next_prediction(self):
        """'crash', 'error' or 'ok' for the next prediction request."""
        with self.lock:
            self.predictions += 1
            if self.args.crash_after and self.predictions >= self.args.crash_after:
                return "crash"
            self.errors_owed += self.args.errors / 100
            if self.errors_owed >= 1 - 1e-9:
                self.errors_owed -= 1
                return "error"
            return "ok"

    def observe(self, status, seconds):
        with self.lock:
            key = str(status)
            self.codes[key] = self.codes.get(key, 0) + 1
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    self.histogram[index] += 1
            self.total += 1
            self.seconds += seconds

    def text(self):
        label = f'version="{self.version}"'
        with self.lock:
            lines = [f'model_requests_total{{{label},code="{code}"}} {n}' for code, n in self.codes.items()]
            lines += [f'model_request_duration_seconds_bucket{{{label},le="{bound}"}} {n}'
                      for bound, n in zip(BUCKETS, self.histogram)]
            lines.append(f'model_request_duration_seconds_bucket{{{label},le="+Inf"}} {self.total}')
            lines.append(f"model_request_duration_seconds_sum{{{label}}} {self.seconds}")
            lines.append(f"model_request_duration_seconds_count{{{label}}} {self.total}")
        return "\n".join(lines) + "\n"


def make_handler(model, stats, args):
    version = args.version

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as routers and load generators use it
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK wait

        def log_message(self, *_):  # no line per request
            pass

        def send(self, status, payload, started=None, content_type="application/json"):
            body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if started is not None:
                stats.observe(status, time.perf_counter() - started)

        def do_GET(self):
            if self.path == "/healthz":
                return self.send(200, {"ok": True, "version": version})
            if self.path == "/metrics":
                return self.send(200, stats.text().encode(), content_type="text/plain; version=0.0.4")
            return self.send(404, {"error": "POST /predict, GET /healthz, GET /metrics"})

        def do_POST(self):
            started = time.perf_counter()
            length = self.headers.get("content-length")
            if length is None or not length.isdigit() or int(length) > MAX_BODY:
                self.close_connection = True
                return self.send(411 if length is None else 413, {"error": f"a body of at most {MAX_BODY} bytes"})
            body = self.rfile.read(int(length))
            if self.path != "/predict":
                return self.send(404, {"error": "POST /predict"})
            fault = stats.next_prediction()
            if fault == "crash":
                os._exit(1)
            if args.latency_ms:
                time.sleep(args.latency_ms / 1000)
            if fault == "error":
                return self.send(500, {"error": "injected", "version": version}, started)
            try:
                request = json.loads(body)
                row = model.row(request.get("features") if isinstance(request, dict) else None)
            except ValueError as error:  # json.JSONDecodeError is one
                return self.send(400, {"error": str(error), "version": version}, started)
            prediction, probability = model.predict(row)
            if args.flip:
                prediction, probability = 1 - prediction, 1 - probability
            answer = {"version": version, "prediction": prediction, "probability": round(probability, 6)}
            if self.headers.get("x-sluice-mirror"):
                answer["echo"] = "mirror"
            return self.send(200, answer, started)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 drops connections a router opens at once


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    model = Model(args.model_dir)
    model.predict([0.0] * len(model.features))  # the first call pays sklearn's warm-up, not a user
    server = Server((args.host, args.port), make_handler(model, Stats(args.version, args), args))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
