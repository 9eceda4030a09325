"""`divbase files ls|upload|download|stream|rm|restore|versions`: a project's files, locally or on the server.

The same commands work on a local bucket directory (`--bucket-dir DIR`, `DIVBASE_BUCKET_DIR`, or a current
directory holding `.divbase/`) and on a server project (`--project P`, or the configured default project when
a server is configured). Names are checked before anything is read or written (exit 2); deleting is a soft
delete in both modes and `restore` brings the newest (or a chosen) version back. Transfers are verified
against the stored checksum; a corrupted download is deleted and reported (exit 1).
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any, Protocol

import typer

from divbase.cli.output import bucket_dir, bucket_dir_option, emit_json, info, json_option
from divbase.cli.remote import use_server
from divbase.core import filenames
from divbase.core.errors import InvalidInput, NotFound
from divbase.core.keys import check_key

app = typer.Typer(
    no_args_is_help=True,
    help="List, upload, download, delete and restore the files of a project (local bucket or server).",
)


class Store(Protocol):
    """Where the files are: a local bucket directory or a server project. Results are JSON-ready dicts."""

    @property
    def where(self) -> str: ...

    def ls(self, prefix: str) -> list[dict[str, Any]]: ...

    def upload(self, pairs: list[tuple[Path, str]]) -> list[dict[str, Any]]: ...

    def download(self, key: str, target: Path, version: str | None) -> dict[str, Any]: ...

    def stream(self, key: str, version: str | None, out: IO[bytes]) -> None: ...

    def remove(self, keys: list[str]) -> tuple[list[str], list[str]]: ...

    def restore(self, key: str, version: str | None) -> dict[str, Any]: ...

    def versions(self, key: str) -> list[dict[str, Any]]: ...


def _project_option() -> Any:
    return typer.Option(None, "--project", "-p", help="Project on the server (default: the configured one).")


def _version_option() -> Any:
    return typer.Option(None, "--version", help="A kept version (see 'divbase files versions KEY').")


def _file_list_option() -> Any:
    return typer.Option(None, "--file-list", help="A file with one key per line.", dir_okay=False)


def _store(directory: Path | None, project: str | None) -> Store:
    if project or use_server(directory):
        from divbase.cli.files_server import ServerStore

        return ServerStore.connect(project)
    return LocalStore(bucket_dir(directory))


@app.command("ls")
def ls(
    prefix: str = typer.Argument("", help="Only keys starting with this."),
    include_results: bool = typer.Option(False, "--include-results", "-r", help="Also list result_of_job_* files."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Files with size and version (query results are hidden unless --include-results)."""
    store = _store(directory, project)
    files = [f for f in store.ls(prefix) if include_results or not filenames.is_result(f["key"])]
    if as_json:
        emit_json({"files": files})
        return
    width = max((len(f["key"]) for f in files), default=0)
    for f in files:
        typer.echo(f"{f['key']:<{width}}  {filenames.human_size(f['size']):>10}  {f['version']}")
    if not files:
        info(f"No files found in {store.where}.")


@app.command("upload")
def upload(
    paths: list[Path] = typer.Argument(..., help="Local files to upload."),
    to: str | None = typer.Option(None, "--to", "-t", help="Folder in the project to put them in."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Upload files (.tsv .vcf.gz .csi .tbi .txt .md) under their names; an existing key gets a new version."""
    sources = [_source(path) for path in paths]
    keys = filenames.upload_keys([path.name for path in sources], filenames.prefix(to))
    for path, key in zip(sources, keys, strict=True):
        filenames.check_size(key, path.stat().st_size)
    store = _store(directory, project)
    done = store.upload(list(zip(sources, keys, strict=True)))
    if as_json:
        emit_json({"uploaded": done})
    for row in done:
        info(f"Uploaded '{row['source']}' as '{row['key']}' ({filenames.human_size(row['size'])}, checksum verified)")
    if any(filenames.is_vcf(key) for key in keys):
        run = "submit" if store.where.startswith("project") else "run"
        info(f"VCF files changed: update the dimensions index with 'divbase {run} dimensions-update' before querying.")


@app.command("download")
def download(
    keys: list[str] | None = typer.Argument(None, help="Keys to download."),
    file_list: Path | None = _file_list_option(),
    dest: Path = typer.Option(Path("."), "--download-dir", "-d", help="Where to write them (key paths kept)."),
    version: str | None = _version_option(),
    project_version: str | None = typer.Option(
        None, "--project-version", help="Files as recorded in this project version (all of them if no keys given)."
    ),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Download files (verified against their checksum; existing local files are replaced)."""
    wanted = _wanted(keys, file_list, version, project_version, directory, project)
    targets = [_target(dest, key) for key in wanted]
    store = _store(directory, project)
    done = [store.download(key, target, wanted[key]) for key, target in zip(wanted, targets, strict=True)]
    if as_json:
        emit_json({"downloaded": done})
    for row in done:
        info(f"Downloaded '{row['key']}' to {row['path']} (checksum verified)")


@app.command("stream")
def stream(
    key: str = typer.Argument(..., help="Key to write to stdout."),
    version: str | None = _version_option(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
) -> None:
    """Write one file's bytes to stdout (checked against its checksum at the end)."""
    check_key(key)
    store = _store(directory, project)
    try:
        store.stream(key, version, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # `divbase files stream x | head`: the reader has all it wants
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@app.command("rm")
def rm(
    keys: list[str] | None = typer.Argument(None, help="Keys to delete."),
    file_list: Path | None = _file_list_option(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Soft delete: the files disappear from listings; 'divbase files restore KEY' brings them back."""
    names = _keys(keys, file_list)
    deleted, missing = _store(directory, project).remove(names)
    if as_json:
        emit_json({"deleted": deleted, "not_found": missing})
    for key in deleted:
        info(f"Deleted '{key}' (restore it with 'divbase files restore {key}')")
    if missing:
        if as_json:
            raise typer.Exit(NotFound.exit_code)
        raise NotFound(f"No such files: {', '.join(missing)}.", "List files with 'divbase files ls'.")


@app.command("restore")
def restore(
    keys: list[str] = typer.Argument(..., help="Keys to restore."),
    version: str | None = _version_option(),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Bring back the newest kept version of deleted files (or --version V of one file)."""
    names = _keys(keys, None, single=version is not None)
    store = _store(directory, project)
    done = [store.restore(key, version) for key in names]
    if as_json:
        emit_json({"restored": done})
    for row in done:
        state = "was already live" if row["status"] == "live" else "restored"
        info(f"'{row['key']}' {state} (version {row['version']})")


@app.command("versions")
def versions(
    key: str = typer.Argument(..., help="Key whose versions to list."),
    directory: Path | None = bucket_dir_option(),
    project: str | None = _project_option(),
    as_json: bool = json_option(),
) -> None:
    """Kept versions of one file, newest first; '*' marks the current one (or the delete marker)."""
    check_key(key)
    store = _store(directory, project)
    rows = store.versions(key)
    if not rows:
        raise NotFound(f"No file '{key}' in {store.where}.", "List files with 'divbase files ls'.")
    if as_json:
        emit_json({"key": key, "versions": rows})
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        what = "(deleted)" if row["deleted"] else filenames.human_size(row["size"])
        when = str(row["modified"])[:19].replace("T", " ")
        typer.echo(f"{mark} {row['version']}  {what:>10}  {when} UTC")


# -- helpers -----------------------------------------------------------------------------------


def _source(path: Path) -> Path:
    if not path.is_file():
        why = "is a directory" if path.is_dir() else "does not exist"
        raise InvalidInput(f"Cannot upload {path}: it {why}.", "Give paths of existing files.")
    return path


def _keys(keys: list[str] | None, file_list: Path | None, single: bool = False) -> list[str]:
    """Checked keys from the arguments and/or a list file, duplicates dropped, order kept."""
    names = list(keys or [])
    if file_list is not None:
        try:
            text = file_list.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"Cannot read the file list {file_list}: {exc}.") from None
        names += [line.strip("\r\n") for line in text.split("\n") if line.strip()]
    if not names:
        raise InvalidInput("No files given.", "Name files as arguments or with --file-list.")
    unique = list(dict.fromkeys(check_key(name) for name in names))
    if single and len(unique) != 1:
        raise InvalidInput("--version needs exactly one file.", "Give one key with --version.")
    return unique


def _wanted(
    keys: list[str] | None,
    file_list: Path | None,
    version: str | None,
    project_version: str | None,
    directory: Path | None,
    project: str | None,
) -> dict[str, str | None]:
    """`{key: version}` to download: the given version, or the one recorded in `project_version`."""
    if project_version is None:
        return dict.fromkeys(_keys(keys, file_list, single=version is not None), version)
    if version is not None:
        raise InvalidInput("--version and --project-version cannot be combined.", "Give one of them.")
    from divbase.cli.versions import pinned

    names = _keys(keys, file_list) if keys or file_list else []
    return dict(pinned(project_version, names, directory, project))


def _target(dest: Path, key: str) -> Path:
    """`dest/key`, refused if a symbolic link on the way leads out of `dest`."""
    root = dest.resolve()
    target = (root / key).resolve()
    if not target.is_relative_to(root) or target.is_dir():
        raise InvalidInput(f"Cannot download '{key}' to {target}: it is a folder or outside {root}.")
    return target


class LocalStore:
    """A bucket directory; old versions are kept in `.divbase/versions/` (see LocalBucket)."""

    def __init__(self, root: Path) -> None:
        from divbase.adapters.local_bucket import LocalBucket

        if not root.is_dir():
            raise NotFound(
                f"Bucket directory {root} does not exist.",
                "Pass an existing directory with --bucket-dir, set DIVBASE_BUCKET_DIR, or use --project.",
            )
        self.bucket = LocalBucket(root)
        self.where = f"bucket {self.bucket.root}"

    def ls(self, prefix: str) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.bucket.list(prefix)]

    def upload(self, pairs: list[tuple[Path, str]]) -> list[dict[str, Any]]:
        return [{**asdict(self.bucket.put_file(src, key)), "source": str(src.resolve())} for src, key in pairs]

    def download(self, key: str, target: Path, version: str | None) -> dict[str, Any]:
        from divbase.adapters.s3_etag import verify_download

        version = version or self.bucket.head(key).version
        source = self.bucket.version_path(key, version)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.divbase-tmp")
        try:
            with open(source, "rb") as reader, open(tmp, "wb") as writer:
                while chunk := reader.read(1 << 20):
                    writer.write(chunk)
            _verified(key, lambda: verify_download(tmp, version))
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return {"key": key, "version": version, "size": target.stat().st_size, "path": str(target)}

    def stream(self, key: str, version: str | None, out: IO[bytes]) -> None:
        from divbase.cli.files_server import copy_verified

        version = version or self.bucket.head(key).version
        with open(self.bucket.version_path(key, version), "rb") as reader:
            copy_verified(key, iter(lambda: reader.read(1 << 20), b""), out, version, os.fstat(reader.fileno()).st_size)

    def remove(self, keys: list[str]) -> tuple[list[str], list[str]]:
        deleted, missing = [], []
        for key in keys:
            try:
                self.bucket.delete(key)
                deleted.append(key)
            except NotFound:
                missing.append(key)
        return deleted, missing

    def restore(self, key: str, version: str | None) -> dict[str, Any]:
        try:
            before: str | None = self.bucket.head(key).version
        except NotFound:
            before = None
        restored = self.bucket.restore(key, version)
        status = "live" if restored.version == before else "restored"
        return {**asdict(restored), "status": status}

    def versions(self, key: str) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self.bucket.versions(key)]


def _verified(key: str, check: Any) -> None:
    """Run a checksum check, naming the file in the error."""
    from divbase.adapters.s3_etag import ChecksumMismatch

    try:
        check()
    except ChecksumMismatch as exc:
        raise ChecksumMismatch(f"Download of '{key}' is corrupt. {exc.message}", exc.hint) from None
