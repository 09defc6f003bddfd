"""Checking uploaded files: an allowlist of types whose content must match.

Binary formats are recognised by their signature (the `filetype` library);
text formats must decode as text and must not be markup in disguise.
"""

import re
import unicodedata
from pathlib import PurePosixPath

import filetype

# extension -> (content type we serve, signatures filetype may report)
BINARY_TYPES = {
    "pdf": ("application/pdf", {"pdf"}),
    "png": ("image/png", {"png"}),
    "jpg": ("image/jpeg", {"jpg"}),
    "jpeg": ("image/jpeg", {"jpg"}),
    "zip": ("application/zip", {"zip", "docx", "xlsx", "pptx", "odt", "ods", "epub"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {"xlsx"}),
    "doc": ("application/msword", {"doc", "xls", "ppt"}),
    "xls": ("application/vnd.ms-excel", {"xls", "doc", "ppt"}),
}
TEXT_TYPES = {"csv": "text/csv", "txt": "text/plain", "xml": "application/xml"}
ALLOWED_EXTENSIONS = tuple(sorted(set(BINARY_TYPES) | set(TEXT_TYPES)))
# Markup that a browser would run, whatever the file is called.
_MARKUP = re.compile(rb"^\s*(?:\xef\xbb\xbf)?\s*<\s*(?:!doctype\s+html|html|svg|script|head|body|iframe)\b", re.I)
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadError(ValueError):
    """The file cannot be accepted; the message says why, for the person."""


def safe_filename(name):
    """A display name with no path, control characters or markup characters."""
    name = PurePosixPath((name or "").replace("\\", "/")).name
    name = unicodedata.normalize("NFKC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 140] + dot + ext) if dot else name[:150]
    return name or "file"


def format_size(size):
    """A byte count for people: 812 bytes, 14 kB, 2.5 MB (askiso/core/formatting.py, with Babel)."""
    from askiso.core.formatting import size as formatted

    return formatted(size)


def extension_of(name):
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(filename, head):
    """Validate a file by name and its first bytes; returns (safe name, content type)."""
    name = safe_filename(filename)
    ext = extension_of(name)
    if ext not in ALLOWED_EXTENSIONS:
        allowed = ", ".join(e for e in ALLOWED_EXTENSIONS if e != "jpeg")
        raise UploadError(f"“{name}” is not an accepted type. Accepted: {allowed}.")
    if not head:
        raise UploadError(f"“{name}” is empty.")
    if _MARKUP.match(head[:512]):
        raise UploadError(f"“{name}” contains web page or script content and cannot be accepted.")
    if ext in TEXT_TYPES:
        return name, _check_text(name, ext, head)
    content_type, signatures = BINARY_TYPES[ext]
    if not _binary_matches(head, signatures):
        raise UploadError(f"“{name}” does not look like a .{ext} file. Check the file and choose it again.")
    return name, content_type


def _binary_matches(head, signatures):
    if {"doc", "xls"} & signatures and head.startswith(_OLE_SIGNATURE):
        return True
    kind = filetype.guess(head)
    return kind is not None and kind.extension in signatures


def _check_text(name, ext, head):
    if b"\x00" in head:
        raise UploadError(f"“{name}” does not look like a text file.")
    sample = head[:65536]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the sample's end
            try:
                text = sample.decode("cp1252")
            except UnicodeDecodeError:
                raise UploadError(f"“{name}” does not look like a text file.") from None
        else:
            text = sample[: exc.start].decode("utf-8")
    if ext == "xml":
        stripped = text.lstrip("\ufeff \r\n\t")
        if not stripped.startswith("<"):
            raise UploadError(f"“{name}” does not look like an XML file.")
        if re.search(r"<!(?:DOCTYPE|ENTITY)", stripped, re.I):
            raise UploadError(f"“{name}” uses a DOCTYPE or entities, which are not accepted in XML files.")
    return TEXT_TYPES[ext]
