"""Downloading and preparing Speech Commands, against a small archive served from a
loopback HTTP server: Range resume, a server that ignores Range, a truncated archive,
a checksum mismatch, and a corrupt archive."""

import hashlib
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import soundfile

from kwstiny.data import speech_commands as sc
from kwstiny.data.download import Archive, download, extract_tar
from kwstiny.errors import KwstinyError

WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go", "wow")


def wav_bytes(seconds=0.1, seed=0):
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    soundfile.write(buffer, rng.uniform(-0.3, 0.3, int(16000 * seconds)), 16000,
                    format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def make_archive():
    """A Speech-Commands-shaped .tar.gz: word folders of speaker_nohash_n.wav clips,
    background noise, and the two split lists."""
    files = {}
    for w, word in enumerate(WORDS):
        for speaker in ("aaa1", "bbb2", "ccc3", "ddd4"):
            for n in range(2):
                files[f"{word}/{speaker}{w}_nohash_{n}.wav"] = wav_bytes(seed=len(files))
    files["_background_noise_/white_noise.wav"] = wav_bytes(seconds=2.5, seed=99)
    files["validation_list.txt"] = "".join(
        f"{word}/bbb2{w}_nohash_{n}.wav\n" for w, word in enumerate(WORDS) for n in range(2)
    ).encode()
    files["testing_list.txt"] = "".join(
        f"{word}/ccc3{w}_nohash_{n}.wav\n" for w, word in enumerate(WORDS) for n in range(2)
    ).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


ARCHIVE = make_archive()


class Server:
    """Serves `data` at /speech_commands_test.tar.gz. `cut_after`: close the connection
    after that many body bytes (once); `ignore_range`: answer Range with the whole file."""

    def __init__(self, data):
        self.data, self.cut_after, self.ignore_range = data, None, False
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.headers.get("Range"))
                body, start = outer.data, 0
                header = self.headers.get("Range")
                if header and not outer.ignore_range:
                    start = int(header.split("=")[1].split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                part = body[start:]
                self.send_header("Content-Length", str(len(part)))
                self.end_headers()
                if outer.cut_after is not None:
                    self.wfile.write(part[:outer.cut_after])
                    outer.cut_after = None
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(part)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/speech_commands_test.tar.gz"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server(ARCHIVE)
    yield s
    s.close()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("KWSTINY_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def good(url):
    return Archive(url, sha256=hashlib.sha256(ARCHIVE).hexdigest(), size=len(ARCHIVE))


def test_interrupted_download_resumes_with_a_range_request(server, tmp_path):
    dest = tmp_path / "sc.tar.gz"
    server.cut_after = 5000
    with pytest.raises(KwstinyError, match="run again to resume"):
        download(good(server.url), dest, progress=False)
    partial = tmp_path / "sc.tar.gz.partial"
    assert partial.stat().st_size == 5000 and not dest.exists()
    download(good(server.url), dest, progress=False)
    assert server.requests == [None, "bytes=5000-"]
    assert dest.read_bytes() == ARCHIVE and not partial.exists()


def test_server_ignoring_range_restarts_the_partial_file(server, tmp_path):
    dest = tmp_path / "sc.tar.gz"
    (tmp_path / "sc.tar.gz.partial").write_bytes(ARCHIVE[:3000])
    server.ignore_range = True
    download(good(server.url), dest, progress=False)
    assert dest.read_bytes() == ARCHIVE


def test_truncated_archive_is_reported_and_removed(server, tmp_path):
    server.data = ARCHIVE[: len(ARCHIVE) // 2]       # the server itself has half a file
    dest = tmp_path / "sc.tar.gz"
    with pytest.raises(KwstinyError, match=f"not the expected {len(ARCHIVE)}"):
        download(good(server.url), dest, progress=False)
    assert not dest.exists() and not (tmp_path / "sc.tar.gz.partial").exists()


def test_checksum_mismatch_is_reported_and_removed(server, tmp_path):
    corrupt = bytearray(ARCHIVE)
    corrupt[len(corrupt) // 2] ^= 0xFF                 # same size, one byte flipped
    server.data = bytes(corrupt)
    dest = tmp_path / "sc.tar.gz"
    with pytest.raises(KwstinyError, match="fails its checksum"):
        download(good(server.url), dest, progress=False)
    assert not dest.exists() and not (tmp_path / "sc.tar.gz.partial").exists()


def test_a_partial_file_longer_than_the_archive_is_discarded(server, tmp_path):
    dest = tmp_path / "sc.tar.gz"
    (tmp_path / "sc.tar.gz.partial").write_bytes(b"x" * (len(ARCHIVE) + 10))
    download(good(server.url), dest, progress=False)
    assert dest.read_bytes() == ARCHIVE and server.requests == [None]


def test_corrupt_archive_fails_extraction_cleanly(tmp_path):
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(ARCHIVE[: len(ARCHIVE) * 2 // 3])
    with pytest.raises(KwstinyError, match="corrupt or truncated"):
        extract_tar(archive, tmp_path / "out")
    assert not archive.exists()
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(KwstinyError, match="cannot reach"):
        download(Archive("http://127.0.0.1:9/x.tar.gz", size=10), tmp_path / "x", progress=False,
                 timeout=5)


def test_recipe_prepares_official_splits_and_silence(server, home):
    recipe = sc.SpeechCommandsRecipe("speech_commands_test", good(server.url), WORDS)
    folder = recipe.prepare("test", progress=False)
    records = [json.loads(line) for line in (folder / "manifest.jsonl").read_text().splitlines()]
    by_path = {r["path"]: r for r in records}
    assert by_path["yes/bbb20_nohash_1.wav"]["split"] == "validation"
    assert by_path["wow/ccc310_nohash_0.wav"]["split"] == "test"
    assert by_path["no/aaa11_nohash_0.wav"]["split"] == "train"
    assert by_path["up/ddd42_nohash_1.wav"]["group"] == "ddd42"
    # Each speaker stays in one split.
    splits_of = {}
    for r in records:
        splits_of.setdefault(r["group"], set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    # Silence: as many per split as an average command word has (4 / 2 / 2 here).
    silence = [r for r in records if r["path"].startswith("_silence_/")]
    assert sorted(r["split"] for r in silence).count("train") == 4
    assert sum(r["split"] == "test" for r in silence) == 2
    audio, rate = soundfile.read(folder / silence[0]["path"])
    assert rate == 16000 and len(audio) == 16000
    # Prepared once: a second call neither downloads nor rebuilds; the archive is gone.
    requests = len(server.requests)
    assert recipe.prepare("test", progress=False) == folder
    assert len(server.requests) == requests
    assert not (home / "downloads" / "speech_commands_test.tar.gz").exists()


def test_index_takes_the_official_splits_and_the_12_label_task(server, home):
    from kwstiny.data.index import index_folder
    from kwstiny.spec import DatasetSpec

    recipe = sc.SpeechCommandsRecipe("speech_commands_test", good(server.url), WORDS)
    folder = recipe.prepare("test", progress=False)
    index = index_folder(folder, DatasetSpec(source=str(folder), classes=sc.CLASSES_12), 16000)
    by_id = {c.sample_id: c for c in index.clips}
    assert by_id["yes/bbb20_nohash_1"].split == "validation"
    assert by_id["go/ccc39_nohash_0"].split == "test"
    assert by_id["wow/aaa110_nohash_0"].label == "_unknown_"      # not one of the 12
    assert by_id["stop/ddd48_nohash_1"].label == "stop"
    counts = index.counts()
    assert counts["test"]["_silence_"] == 2 and counts["train"]["_silence_"] == 4
    assert len(index.noise_files) == 1
    # The all-words task has no silence or unknown class: those clips are left out.
    words = index_folder(folder, DatasetSpec(source=str(folder), classes=WORDS), 16000)
    assert {c.label for c in words.clips} == set(WORDS)


def test_recipe_files_declare_the_official_archives():
    import runpy

    from kwstiny.data.recipes import RECIPE_DIR

    v1, v2 = (runpy.run_path(str(RECIPE_DIR / f"speech_commands_v{n}.py"))["recipe"]
              for n in (1, 2))
    assert v2.archive.url.endswith("/data/speech_commands_v0.02.tar.gz")
    assert v2.archive.size == 2_428_923_189 and len(v2.archive.sha256) == 64
    assert v1.archive.url.endswith("/data/speech_commands_v0.01.tar.gz")
    assert len(v2.words) == 35 and len(v1.words) == 30
    assert set(sc.COMMANDS) <= set(v1.words)
