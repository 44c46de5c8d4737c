"""Attachments: the type is read from the content (magic bytes), never from the name or the browser.

Accepted: PDF, PNG, JPEG, XLSX (a zip whose ``[Content_Types].xml`` declares a spreadsheet
workbook) and ODS (a zip whose first entry ``mimetype`` says so). At most 10 MB. The file name
must be a plain name whose extension matches the content: ``../../x``, ``plan.pdf.exe``, a
program renamed to ``plan.pdf`` and a macro workbook are refused. Files are written under the
configured upload directory (outside any static path) with random names, created exclusively.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.applications.models import Attachment, AttachmentKind, LoanApplication
from bank.errors import N_, ValidationError

MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

#: Extensions a name may have for each content type.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    XLSX: (".xlsx",),
    ODS: (".ods",),
}

#: Signatures of programs and scripts, to say plainly why such a file is refused.
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa")
_SAFE_NAME = re.compile(r"^[\w][\w .()+,&'-]*$", re.UNICODE)


def sniff(content: bytes) -> str | None:
    """The content type by magic bytes, or None when it is none of the accepted types."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"PK\x03\x04"):
        return _sniff_zip(content)
    return None


def _sniff_zip(content: bytes) -> str | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
        if names and names[0] == "mimetype":
            with archive.open("mimetype") as entry:
                if entry.read(200).strip() == ODS.encode():
                    return ODS
            return None
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            if any(name.lower().endswith(".bin") for name in names):
                return None  # vbaProject.bin: a macro workbook disguised as .xlsx
            with archive.open("[Content_Types].xml") as entry:
                types = entry.read(200_000)
            if b"spreadsheetml.sheet.main+xml" in types and b"macroEnabled" not in types:
                return XLSX
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, EOFError):
        return None
    return None


def clean_filename(name: str) -> str:
    """A plain file name (no folders, no control characters, ≤ 150 characters) or ValidationError."""
    text = unicodedata.normalize("NFC", name or "").strip()
    if not text:
        raise ValidationError("file", N_("choose a file to upload"))
    if "/" in text or "\\" in text or text.startswith(".") or ".." in text or ":" in text:
        raise ValidationError(
            "file", N_("the file name must be a plain name, not a path (no /, \\, .. or :)")
        )
    if len(text) > 150:
        raise ValidationError("file", N_("the file name must be at most 150 characters"))
    if not _SAFE_NAME.match(text):
        raise ValidationError(
            "file", N_("the file name may only contain letters, digits, spaces and . _ - ( )")
        )
    return text


def check_upload(filename: str, content: bytes) -> tuple[str, str]:
    """(clean name, content type) of an acceptable upload, or a ValidationError saying why not."""
    name = clean_filename(filename)
    if not content:
        raise ValidationError("file", N_("is empty"))
    if len(content) > MAX_BYTES:
        raise ValidationError("file", N_("is larger than 10 MB"))
    content_type = sniff(content)
    if content_type is None:
        if content.startswith(_EXECUTABLE_MAGIC):
            raise ValidationError("file", N_("is a program or script, not a document; it is refused"))
        raise ValidationError(
            "file", N_("must be a PDF, PNG, JPEG, XLSX or ODS file (checked by its content)")
        )
    extension = os.path.splitext(name)[1].lower()
    if extension not in EXTENSIONS[content_type]:
        expected = " or ".join(EXTENSIONS[content_type])
        raise ValidationError(
            "file",
            N_("the name ends in %(extension)s but the content is %(content)s"),
            extension=extension or "nothing",
            content=expected[1:].upper(),
        )
    return name, content_type


def store_attachment(
    session: Session,
    application: LoanApplication,
    *,
    filename: str,
    content: bytes,
    kind: AttachmentKind | str,
    upload_dir: str | Path,
    actor: Actor,
) -> Attachment:
    """Check and store one upload for ``application`` (the caller checked who may upload)."""
    try:
        attachment_kind = AttachmentKind(kind)
    except ValueError:
        raise ValidationError(
            "kind", N_("must be one of %(choices)s"), choices=tuple(AttachmentKind)
        ) from None
    name, content_type = check_upload(filename, content)
    if application.status.value in ("rejected", "withdrawn", "expired", "disbursed"):
        raise ValidationError(
            "file", N_("application %(number)s is closed; no more documents"), number=application.number
        )
    stored_name = write_upload(upload_dir, content)
    attachment = Attachment(
        application_id=application.id,
        kind=attachment_kind,
        original_name=name,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=actor.user_id,
        uploaded_by_label=actor.label,
        uploaded_at=clock.now_utc(),
    )
    session.add(attachment)
    session.flush()
    audit.record(
        session,
        actor,
        "application.attachment",
        "loan_application",
        application.id,
        after={"attachment": attachment.id, "name": name, "type": content_type, "bytes": len(content)},
    )
    return attachment


def write_upload(upload_dir: str | Path, content: bytes) -> str:
    """Write checked ``content`` under a new random name in ``upload_dir``; returns that name.

    Created exclusively and readable by the bank only. Mandates store their signed form the
    same way (``bank.payments.mandates``).
    """
    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    descriptor = os.open(folder / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    return stored_name


def read_attachment(attachment: Attachment, upload_dir: str | Path) -> bytes:
    """The stored bytes; the stored name is ours (hex), so it cannot leave the folder."""
    return read_upload(attachment.stored_name, upload_dir)


def read_upload(stored_name: str, upload_dir: str | Path) -> bytes:
    """The bytes :func:`write_upload` stored under ``stored_name`` (refused unless it is one of ours)."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValidationError("file", N_("stored name is not one of ours"))
    return (Path(upload_dir) / stored_name).read_bytes()
