"""Where attachment bytes live: outside the web root, under server-made names.

One small interface (`save`, `path`, `delete`) so that an object store can
take the local folder's place. The folder may be shared by several hosts.
"""

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app

from askiso.cases.uploads import UploadError, format_size

CHUNK = 1024 * 1024


class LocalFileStorage:
    """Files in a folder (app.config["FILE_STORAGE_DIR"]), fanned out by name."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, stored_name):
        if not stored_name.isalnum():
            raise ValueError("bad stored name")
        return self.root / stored_name[:2] / stored_name

    def save(self, stream, max_bytes):
        """Copy a stream in; returns (stored_name, sha256, size). Refuses oversize."""
        stored_name = secrets.token_hex(20)
        path = self._path(stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        digest, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadError(f"The file is larger than {format_size(max_bytes)}.")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return stored_name, digest.hexdigest(), size

    def path(self, stored_name):
        return self._path(stored_name)

    def delete(self, stored_name):
        try:
            self._path(stored_name).unlink()
        except FileNotFoundError:
            pass


def storage():
    """The configured storage backend."""
    return LocalFileStorage(current_app.config["FILE_STORAGE_DIR"])
