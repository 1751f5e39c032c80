"""Where the model artifacts come from (S3 prefix, HTTP(S) base URL, local directory), each read and checked."""

from __future__ import annotations

import base64
import hashlib
import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Self

from botocore.exceptions import BotoCoreError, ClientError

from scripts.aws.errors import error_code, s3_answer
from scripts.aws.session import NO_REGION
from scripts.staging.artifacts import MAX_VOCAB_BYTES, verify_model_archive, verify_model_ends, verify_vocab
from stacks.model_versions import DEFAULT_SOURCE_BUCKETS, DEFAULT_SOURCE_PREFIX, VERSION_PATTERN
from stacks.names import ARTIFACT_FILES, MODEL_FILE

# Enough of the archive's start to decompress its first tar header, and of its end to hold the gzip trailer.
HEAD_BYTES = 64 * 1024
TAIL_BYTES = 4 * 1024
CHUNK = 1024 * 1024
HTTP_TIMEOUT_S = 60
USER_AGENT = "seq2seq-translate-stage-model"
# Files smaller than this stay in memory while they are checked; larger ones spill to the temp directory.
IN_MEMORY_BYTES = 16 * 1024 * 1024
DISK_MARGIN_BYTES = 64 * 1024 * 1024
# An S3 error document is a few hundred bytes; a larger error body is some other server's page.
MAX_ERROR_BODY = 8 * 1024
# Written into every object this script stages: only metadata carrying it is taken as the script's own record.
STAGED_BY = ("staged-by", "seq2seq-translate/stage_model")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_S3_ERROR_CODE = re.compile(rb"<Error>.*?<Code>([A-Za-z0-9.]{1,64})</Code>", re.DOTALL)

# A progress bar factory: (total bytes, description) -> a context manager whose update(n) counts bytes done.
Progress = Callable[[int, str], Any]


class SourceError(RuntimeError):
    """A source cannot be read; the message names the file, where, and what the server or disk answered."""


@dataclass
class Artifact:
    """One checked artifact, ready to be staged: either an S3 object to copy server-side or a local, seekable file."""

    name: str
    size: int
    source: str
    content_type: str
    sha256: str = ""
    etag: str = ""
    ends: str = ""
    s3_object: tuple[str, str] | None = None
    body: BinaryIO | None = field(default=None, repr=False)

    @property
    def version(self) -> str:
        """A short id that changes when the content does: the sha256 when known, else the source object's ETag."""
        identity = self.sha256 or hashlib.sha256(f"s3-etag:{self.etag}:{self.size}".encode()).hexdigest()
        return identity[:16]

    def metadata(self) -> dict[str, str]:
        """User metadata kept with the staged object, so a later run can tell whether it is the same content."""
        meta = {
            STAGED_BY[0]: STAGED_BY[1],
            "version": self.version,
            "source": urllib.parse.quote(self.source, safe=":/@=+,")[:1024],
        }
        if self.sha256:
            meta["sha256"] = self.sha256
        if self.ends:
            meta["ends-sha256"] = self.ends
        if self.etag:
            meta["source-etag"] = self.etag.strip('"')
        return meta


def ends_digest(head: bytes, tail: bytes, size: int) -> str:
    """A fingerprint of an archive's size, first HEAD_BYTES and last TAIL_BYTES: what a ranged check of an S3 copy can see."""
    return hashlib.sha256(f"{size}:".encode() + head + b":" + tail).hexdigest()


def _ends_of(body: BinaryIO, size: int) -> str:
    body.seek(0)
    head = body.read(HEAD_BYTES)
    body.seek(max(0, size - TAIL_BYTES))
    tail = body.read(TAIL_BYTES)
    body.seek(0)
    return ends_digest(head, tail, size)


def recorded_version(metadata: dict[str, str]) -> str:
    """The content id this script kept with an object it staged; '' for metadata it did not write (or that contradicts itself)."""
    version, sha256 = metadata.get("version", ""), metadata.get("sha256", "")
    if metadata.get(STAGED_BY[0]) != STAGED_BY[1] or not VERSION_PATTERN.fullmatch(version):
        return ""
    if sha256 and (not _SHA256.fullmatch(sha256) or sha256[:16] != version):
        return ""
    return version


def recorded_sha256(metadata: dict[str, str], ends: str) -> str:
    """The sha256 this script kept with an object it staged, if the object's ends still match the ones it recorded; else ''."""
    sha256 = metadata.get("sha256", "")
    if not recorded_version(metadata) or not sha256 or metadata.get("ends-sha256") != ends:
        return ""
    return sha256


class _NoBar:
    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def update(self, _done: int) -> None:
        return None


def no_progress(total: int, desc: str) -> _NoBar:
    """No progress bars (in the cloud, or when asked): tqdm need not be installed."""
    return _NoBar()


def tqdm_progress(enabled: bool) -> Progress:
    """Progress bars on stderr; tqdm hides them by itself when stderr is not a terminal."""
    if not enabled:
        return no_progress
    from tqdm import tqdm  # only where bars are shown: the in-cloud staging function runs without it

    def make(total: int, desc: str) -> Any:
        return tqdm(
            total=total or None,
            desc=desc,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=None,
        )

    return make


class S3Source:
    """s3://bucket/prefix/: checked with a few ranged reads, then copied server-side (no model bytes through this machine)."""

    def __init__(self, bucket: str, prefix: str) -> None:
        self.bucket, self.prefix = bucket, prefix

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def fetch(self, s3, files: ExitStack, progress: Progress) -> list[Artifact]:
        """Check the three objects and describe them for a server-side copy."""
        return [self._model(s3) if name == MODEL_FILE else self._vocab(s3, name) for name in ARTIFACT_FILES]

    def _get(self, s3, name: str, limit: int | None = None, **kwargs) -> tuple[dict, bytes]:
        """One GetObject and its body, or a SourceError naming the object and what S3 answered."""
        where = f"{self}{name}"
        try:
            answer = s3.get_object(Bucket=self.bucket, Key=self.prefix + name, **kwargs)
        except (ClientError, BotoCoreError) as error:
            if error_code(error) == "InvalidRange":
                raise SourceError(f"{name} at {where} is empty") from None
            raise SourceError(f"cannot read {name} at {where}: {s3_answer(error)}") from None
        if limit is not None and answer["ContentLength"] > limit:
            answer["Body"].close()
            raise SourceError(
                f"{name} at {where} is {answer['ContentLength']:,} bytes, more than a vocabulary's {limit:,} at most"
            )
        try:
            return answer, answer["Body"].read()
        except (BotoCoreError, OSError) as error:
            raise SourceError(f"cannot read {name} at {where}: the connection failed ({error})") from None

    def _model(self, s3) -> Artifact:
        where = f"{self}{MODEL_FILE}"
        # Only these two ranged reads (68 KB) pass through this machine; the object itself is copied inside S3.
        head, start = self._get(s3, MODEL_FILE, Range=f"bytes=0-{HEAD_BYTES - 1}")
        etag = head["ETag"]
        size = int(head.get("ContentRange", "").rpartition("/")[2] or head["ContentLength"])
        _, tail = self._get(s3, MODEL_FILE, Range=f"bytes=-{TAIL_BYTES}", IfMatch=etag)
        verify_model_ends(start, tail, where)
        ends = ends_digest(start, tail, size)
        # Hashing the model would mean reading all of it; a sha256 is taken from its metadata only when this script
        # wrote it there (staging from a bucket staged before) and the ends still match: then every source kind agrees.
        sha256 = recorded_sha256(head.get("Metadata", {}), ends)
        location = (self.bucket, self.prefix + MODEL_FILE)
        return Artifact(
            MODEL_FILE, size, where, "application/x-gzip", sha256=sha256, etag=etag, ends=ends, s3_object=location
        )

    def _vocab(self, s3, name: str) -> Artifact:
        # A vocabulary is small: read it whole to check it, then copy it server-side like the model.
        answer, data = self._get(s3, name, limit=MAX_VOCAB_BYTES)
        verify_vocab(name, data, f"{self}{name}")
        sha256 = hashlib.sha256(data).hexdigest()
        location = (self.bucket, self.prefix + name)
        return Artifact(
            name, len(data), f"{self}{name}", "application/json", sha256=sha256, etag=answer["ETag"], s3_object=location
        )


def _spool(files: ExitStack) -> BinaryIO:
    return files.enter_context(tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES, dir=tempfile.gettempdir()))


def _check_disk(name: str, where: str, size: int) -> None:
    if size <= IN_MEMORY_BYTES:
        return
    directory = tempfile.gettempdir()
    free = shutil.disk_usage(directory).free
    if free < size + DISK_MARGIN_BYTES:
        raise SourceError(
            f"not enough disk space to download {name} from {where}: it needs {size:,} bytes, {directory} has {free:,} free "
            "(point TMPDIR at a larger disk)"
        )


def _copy_checked(name: str, where: str, reader: BinaryIO, out: BinaryIO, size: int | None, bar: Any) -> str:
    """Copy reader to out, counting and hashing; return the sha256 or raise SourceError for short reads and full disks."""
    digest, received = hashlib.sha256(), 0
    while True:
        try:
            chunk = reader.read(CHUNK)
        except (OSError, http.client.HTTPException) as error:
            raise SourceError(f"connection to {where} failed after {received:,} bytes of {name}: {error!r}") from None
        if not chunk:
            break
        try:
            out.write(chunk)
        except OSError as error:
            raise SourceError(
                f"cannot save {name} from {where} in {tempfile.gettempdir()}: {error.strerror or error}"
            ) from None
        digest.update(chunk)
        received += len(chunk)
        bar.update(len(chunk))
    # http.client returns a short body without complaint when the server hangs up early; the length tells.
    if size is not None and received != size:
        raise SourceError(f"connection to {where} dropped after {received:,} of {size:,} bytes of {name}")
    out.flush()
    out.seek(0)
    return digest.hexdigest()


def _verify_local(name: str, body: BinaryIO, where: str) -> None:
    if name == MODEL_FILE:
        verify_model_archive(body, where)
    else:
        verify_vocab(name, body.read(MAX_VOCAB_BYTES + 1), where)
    body.seek(0)


def public_url(url: str) -> str:
    """url without user:password@, query or fragment (a token or a presigned signature): what may be printed and kept."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _s3_error_code(error: urllib.error.HTTPError) -> str:
    """S3's error code (AccessDenied, NoSuchKey...) when an HTTP error's body is a small S3 XML error document; else ''."""
    try:
        body = error.read(MAX_ERROR_BODY + 1)
    except (OSError, http.client.HTTPException):
        return ""
    if len(body) > MAX_ERROR_BODY or not body.lstrip().startswith((b"<?xml", b"<Error>")):
        return ""
    match = _S3_ERROR_CODE.search(body)
    return match.group(1).decode("ascii") if match else ""


class HttpSource:
    """http(s)://base/url/: each file streamed into a temp file (memory for small ones), hashed, checked."""

    def __init__(self, base_url: str) -> None:
        parts = urllib.parse.urlsplit(base_url)
        # A user:token@ or a ?token applies to every file; neither is ever printed or stored with the objects.
        self._credentials = (urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or ""))
        self._query = parts.query
        public = public_url(base_url)
        self.base_url = public if public.endswith("/") else public + "/"

    def __str__(self) -> str:
        return self.base_url

    def _request(self, url: str) -> urllib.request.Request:
        request = urllib.request.Request(
            url + (f"?{self._query}" if self._query else ""), headers={"User-Agent": USER_AGENT}
        )
        if any(self._credentials):
            token = base64.b64encode(":".join(self._credentials).encode()).decode("ascii")
            request.add_unredirected_header("Authorization", f"Basic {token}")  # not sent on to a host it redirects to
        return request

    def fetch(self, s3, files: ExitStack, progress: Progress) -> list[Artifact]:
        """Download and check the three files."""
        return [self._download(name, files, progress) for name in ARTIFACT_FILES]

    def _download(self, name: str, files: ExitStack, progress: Progress) -> Artifact:
        url = urllib.parse.urljoin(self.base_url, name)
        try:
            response = files.enter_context(urllib.request.urlopen(self._request(url), timeout=HTTP_TIMEOUT_S))
        except urllib.error.HTTPError as error:
            code = _s3_error_code(error)
            error.close()
            said = f" (S3 error code {code})" if code else ""
            raise SourceError(
                f"cannot download {name}: {url} answered HTTP {error.code} {error.reason}{said}"
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise SourceError(f"cannot download {name}: {url} could not be reached ({reason})") from None
        length = response.headers.get("Content-Length")
        size = int(length) if length and length.isdigit() else None
        if size is not None:
            _check_disk(name, url, size)
        body = _spool(files)
        with progress(size or 0, f"download {name}") as bar:
            sha256 = _copy_checked(name, url, response, body, size, bar)
        total = body.seek(0, os.SEEK_END)
        body.seek(0)
        _verify_local(name, body, url)
        content_type = "application/x-gzip" if name == MODEL_FILE else "application/json"
        ends = _ends_of(body, total) if name == MODEL_FILE else ""
        return Artifact(name, total, url, content_type, sha256=sha256, ends=ends, body=body)


class DirectorySource:
    """A local directory: each file hashed and checked where it is, then uploaded from there."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return str(self.path)

    def fetch(self, s3, files: ExitStack, progress: Progress) -> list[Artifact]:
        """Hash and check the three files in place."""
        return [self._read(name, files, progress) for name in ARTIFACT_FILES]

    def _read(self, name: str, files: ExitStack, progress: Progress) -> Artifact:
        path = self.path / name
        try:
            body = files.enter_context(path.open("rb"))
            size = os.fstat(body.fileno()).st_size
        except OSError as error:
            raise SourceError(f"cannot read {name} in {self.path}: {error.strerror}") from None
        with progress(size, f"check {name}") as bar:
            digest = hashlib.sha256()
            try:
                while chunk := body.read(CHUNK):
                    digest.update(chunk)
                    bar.update(len(chunk))
            except OSError as error:
                raise SourceError(f"cannot read {name} in {self.path}: {error.strerror}") from None
        body.seek(0)
        _verify_local(name, body, str(path))
        content_type = "application/x-gzip" if name == MODEL_FILE else "application/json"
        ends = _ends_of(body, size) if name == MODEL_FILE else ""
        return Artifact(name, size, str(path.resolve()), content_type, sha256=digest.hexdigest(), ends=ends, body=body)


Source = S3Source | HttpSource | DirectorySource


def parse_source(spec: str) -> Source:
    """An S3Source, HttpSource or DirectorySource from --source; ValueError says what is allowed."""
    allowed = "an s3://bucket/prefix/, an http(s):// base URL or a local directory, each holding " + ", ".join(
        ARTIFACT_FILES
    )
    parsed = urllib.parse.urlparse(spec)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ValueError(f"--source {spec!r} names no bucket: use {allowed}")
        prefix = parsed.path.lstrip("/")
        return S3Source(parsed.netloc, prefix if not prefix or prefix.endswith("/") else prefix + "/")
    if parsed.scheme in {"http", "https"}:
        if not parsed.hostname:
            raise ValueError(f"--source {public_url(spec)!r} names no host: use {allowed}")
        return HttpSource(spec)
    if parsed.scheme and len(parsed.scheme) > 1:
        raise ValueError(f"--source {public_url(spec)!r} has an unsupported scheme {parsed.scheme!r}: use {allowed}")
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise ValueError(f"--source {spec!r} is not a directory: use {allowed}")
    return DirectorySource(path)


def default_sources(region: str) -> list[Source]:
    """The public copies of the example's pre-trained model, in the order they are tried."""
    return [S3Source(bucket.format(region=region), DEFAULT_SOURCE_PREFIX) for bucket in DEFAULT_SOURCE_BUCKETS]


def choose_sources(spec: str | None, region: str | None) -> list[Source]:
    """The user's --source alone, else the default public copies of the region; ValueError says what is missing."""
    if spec:
        return [parse_source(spec)]
    if not region:
        raise ValueError(f"{NO_REGION}, or pass --source")
    return default_sources(region)
