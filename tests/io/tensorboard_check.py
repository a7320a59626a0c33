#!/usr/bin/env python3
"""TensorBoard itself reads the event files Tessera writes (issue 8's acceptance check).

1. Makes (or reuses) a virtual environment with TensorBoard from the Python package index.
2. Runs tensorboard_check_writer, which writes a log directory with Tessera's SummaryWriter.
3. Loads it with TensorBoard's own EventAccumulator and asserts the scalar values, the histogram's bucket
   counts (recomputed here with numpy.histogram over TensorBoard's default buckets), the images' sizes (also
   decoded with Pillow), the text, the graph's node count and names, and the hparams plugin data.
4. Starts `tensorboard --logdir` on a free loopback port, waits until its HTTP data endpoints list our runs
   and tags, and stops it.

Exit status: 0 passed, 1 failed, 77 skipped (only when the package index cannot be reached to install
TensorBoard; CTest reports it as skipped, with the reason on stderr).

  tensorboard_check.py --writer PATH --venv DIR --workdir DIR
The expected values below are the ones tensorboard_check_writer.cpp writes.
"""
import argparse
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

SKIP = 77
REQUIREMENT = os.environ.get("TESSERA_TENSORBOARD_REQUIREMENT", "tensorboard==2.21.0")
RUN = "tessera_run"
LOSSES = [1.0, 0.5, 0.25, 0.125, 0.0625]
HISTOGRAM_VALUES = [-1.0, 0.0, 0.0, 1.0, 2.5, 2.5, 1e-3]
GRAPH_NODES = ["input", "conv1/weight", "conv1/bias", "conv1/conv2d", "conv1/relu", "pool1/max_pool2d",
               "fc/flatten", "fc/weight", "fc/bias", "fc/linear", "output"]


def log(msg):
    print("tensorboard_check: " + msg, file=sys.stderr, flush=True)


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def index_url(python):
    """The index pip would use: PIP_INDEX_URL, else pip's configuration, else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    out = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key.endswith("index-url"):
            return value.strip().strip("'\"")
    return "https://pypi.org/simple/"


def index_reachable(url):
    """False only for a connection-level failure (no route, no DNS, refused, timeout)."""
    try:
        urllib.request.urlopen(url.rstrip("/") + "/tensorboard/", timeout=20).close()
        return True
    except urllib.error.HTTPError:
        return True  # the server answered
    except urllib.error.URLError as e:
        return isinstance(e.reason, ssl.SSLError)  # something answered TLS
    except OSError:  # socket.timeout and the like
        return False


def ensure_venv(venv, workdir):
    """Returns the venv's python with TensorBoard importable; exits 77 when the index is unreachable."""
    python = venv_python(venv)
    marker = os.path.join(venv, ".tessera-requirement")
    if os.path.exists(marker) and open(marker).read() == REQUIREMENT:
        if subprocess.run([python, "-c", "import tensorboard"], capture_output=True).returncode == 0:
            return python
    log("creating %s and installing %s (kept for later runs)" % (venv, REQUIREMENT))
    subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
    pip_log = os.path.join(workdir, "pip.log")
    with open(pip_log, "w") as out:
        rc = subprocess.run([python, "-m", "pip", "install", "--disable-pip-version-check", REQUIREMENT],
                            stdout=out, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        url = index_url(python)
        if not index_reachable(url):
            log("SKIPPED: the package index %s cannot be reached, so TensorBoard cannot be installed" % url)
            sys.exit(SKIP)
        sys.stderr.write(open(pip_log).read()[-4000:])
        raise SystemExit("tensorboard_check: pip install %s failed (log: %s)" % (REQUIREMENT, pip_log))
    with open(marker, "w") as f:
        f.write(REQUIREMENT)
    return python


# ---- Runs inside the virtual environment ------------------------------------------------------------------
def expected_histogram(values):
    """torch.utils.tensorboard's make_histogram over TensorBoard's default buckets, with numpy."""
    import numpy as np
    v, edges = 1e-12, []
    while v < 1e20:
        edges.append(v)
        v *= 1.1
    edges = [-e for e in reversed(edges)] + [0.0] + edges
    counts, limits = np.histogram(np.array(values, dtype=np.float64), bins=edges)
    nonzero = np.nonzero(counts)[0]
    start, end = nonzero[0], nonzero[-1] + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    return list(limits[start:end + 1]), [float(c) for c in counts]


def check_with_event_accumulator(logdir):
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.plugins.hparams import plugin_data_pb2

    def load(run):
        acc = ea.EventAccumulator(os.path.join(logdir, run), size_guidance={
            ea.SCALARS: 0, ea.HISTOGRAMS: 0, ea.IMAGES: 0, ea.TENSORS: 0, ea.GRAPH: 0})
        return acc.Reload()

    acc = load(RUN)
    tags = acc.Tags()
    assert sorted(tags["scalars"]) == ["accuracy", "loss"], tags
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == [0, 1, 2, 3, 4], loss
    assert [e.value for e in loss] == LOSSES, loss
    acc_values = [e.value for e in acc.Scalars("accuracy")]
    assert all(abs(a - (0.5 + 0.1 * i)) < 1e-6 for i, a in enumerate(acc_values)), acc_values

    [h] = acc.Histograms("weights")
    hv = h.histogram_value
    limits, counts = expected_histogram(HISTOGRAM_VALUES)
    assert h.step == 1
    assert list(hv.bucket) == counts, (list(hv.bucket), counts)
    assert list(hv.bucket_limit) == limits, (list(hv.bucket_limit), limits)
    assert sum(hv.bucket) == len(HISTOGRAM_VALUES) and hv.num == len(HISTOGRAM_VALUES)
    assert (hv.min, hv.max) == (-1.0, 2.5) and abs(hv.sum - sum(HISTOGRAM_VALUES)) < 1e-12, hv

    sizes = {}
    for tag in ("sample", "batch"):
        [img] = acc.Images(tag)
        sizes[tag] = (img.height, img.width)
        try:
            import io
            from PIL import Image
            with Image.open(io.BytesIO(img.encoded_image_string)) as decoded:
                assert decoded.format == "PNG" and decoded.size == (img.width, img.height), decoded
        except ImportError:
            pass
    assert sizes == {"sample": (20, 30), "batch": (9, 26)}, sizes

    [text] = acc.Tensors("notes/text_summary")
    assert text.step == 4 and list(text.tensor_proto.string_val) == [b"hello **tessera**"], text
    assert acc.SummaryMetadata("notes/text_summary").plugin_data.plugin_name == "text"

    graph = acc.Graph()
    assert len(graph.node) == len(GRAPH_NODES), len(graph.node)
    assert [n.name for n in graph.node] == GRAPH_NODES, [n.name for n in graph.node]
    conv = graph.node[3]
    assert conv.op == "conv2d" and list(conv.input) == ["input", "conv1/weight", "conv1/bias"], conv
    assert [d.size for d in conv.attr["_output_shapes"].list.shape[0].dim] == [-1, 8, 28, 28], conv

    for key, tag, value in (("train", "losses", 0.75), ("val", "losses", 0.875)):
        [point] = load(os.path.join(RUN, "losses_" + key)).Scalars(tag)
        assert (point.step, point.value) == (3, value), point

    hp = load(os.path.join(RUN, "hp"))
    content = hp.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    assert start.session_start_info.hparams["lr"].number_value == 0.01
    assert start.session_start_info.hparams["optimizer"].string_value == "adam"
    assert start.session_start_info.hparams["batch_size"].number_value == 64
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert sorted(i.name for i in exp.hparam_infos) == ["batch_size", "lr", "optimizer"], exp
    assert [m.name.tag for m in exp.metric_infos] == ["hparam/accuracy"], exp
    assert hp.Scalars("hparam/accuracy")[0].value == 0.875
    log("EventAccumulator: scalars, histogram buckets, image sizes, text, graph (%d nodes), hparams OK"
        % len(graph.node))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read().decode())


def smoke_test_server(logdir, workdir, timeout=90):
    port = free_port()
    tensorboard = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    server_log = open(os.path.join(workdir, "tensorboard.log"), "w")
    proc = subprocess.Popen([tensorboard, "--logdir", logdir, "--host", "127.0.0.1", "--port", str(port),
                             "--reload_interval", "1"], stdout=server_log, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    # no proxy for loopback requests
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
    try:
        deadline, last = time.time() + timeout, None
        while time.time() < deadline:
            if proc.poll() is not None:
                raise AssertionError("tensorboard exited with %s (log: %s)" % (proc.returncode, server_log.name))
            try:
                runs = get_json(base + "/data/runs")
                tags = get_json(base + "/data/plugin/scalars/tags")
                last = (runs, tags)
                if RUN in runs and {"loss", "accuracy"} <= set(tags.get(RUN, {})):
                    log("tensorboard on %s lists runs %s and %s's tags %s" % (base, runs, RUN, sorted(tags[RUN])))
                    graphs = get_json(base + "/data/plugin/graphs/info")
                    assert graphs.get(RUN, {}).get("run_graph"), graphs
                    return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.5)
        raise AssertionError("tensorboard did not list run %s with tags loss, accuracy within %ds; last: %s"
                             % (RUN, timeout, last))
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server_log.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--writer", required=True)
    p.add_argument("--venv", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--in-venv", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    logdir = os.path.join(a.workdir, "logdir")
    if a.in_venv:
        check_with_event_accumulator(logdir)
        smoke_test_server(logdir, a.workdir)
        return 0
    os.makedirs(a.workdir, exist_ok=True)
    python = ensure_venv(a.venv, a.workdir)
    shutil.rmtree(logdir, ignore_errors=True)
    subprocess.run([a.writer, logdir], check=True)
    rc = subprocess.run([python, os.path.abspath(__file__), "--in-venv", "--writer", a.writer, "--venv", a.venv,
                         "--workdir", a.workdir]).returncode
    print("tensorboard_check: %s" % ("passed" if rc == 0 else "FAILED"), flush=True)
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
