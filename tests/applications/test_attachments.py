"""Uploads: the type comes from the content; attacks by name, by disguise and by size are refused."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from bank.applications import attachments
from bank.applications import service as applications
from bank.applications.models import Attachment
from bank.errors import ValidationError

from .helpers import coop_data, jpeg_bytes, ods_bytes, pdf_bytes, png_bytes, xlsx_bytes


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("businessplan.pdf", pdf_bytes(), attachments.PDF),
        ("photo.png", png_bytes(), attachments.PNG),
        ("photo.JPG", jpeg_bytes(), attachments.JPEG),
        ("begroting 2026.xlsx", xlsx_bytes(), attachments.XLSX),
        ("begroting.ods", ods_bytes(), attachments.ODS),
    ],
)
def test_accepted_types_are_recognised_by_content(name, content, expected):
    assert attachments.check_upload(name, content) == (name, expected)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("../../x.pdf", pdf_bytes(), "not a path"),
        ("..\\..\\boot.ini", pdf_bytes(), "not a path"),
        ("/etc/passwd", pdf_bytes(), "not a path"),
        (".htaccess", pdf_bytes(), "not a path"),
        ("plan.pdf", b"MZ\x90\x00" + b"\x00" * 60, "program or script"),
        ("plan.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "program or script"),
        ("plan.pdf", b"#!/bin/sh\nrm -rf /\n", "program or script"),
        ("plan.pdf.exe", pdf_bytes(), "ends in .exe"),
        ("plan.png", pdf_bytes(), "ends in .png but the content is PDF"),
        ("sheet.xlsx", xlsx_bytes(macro=True), "must be a PDF, PNG, JPEG, XLSX or ODS"),
        ("notes.txt", b"just text", "must be a PDF"),
        ("plan<script>.pdf", pdf_bytes(), "may only contain"),
        ("empty.pdf", b"", "is empty"),
        ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
        ("", pdf_bytes(), "choose a file"),
    ],
)
def test_attacks_are_refused_with_a_reason(name, content, message):
    with pytest.raises(ValidationError) as refused:
        attachments.check_upload(name, content)
    assert message in refused.value.fields["file"]


def test_stored_under_a_random_name_in_the_upload_folder(session, world, tmp_path):
    tmp_path = tmp_path / "uploads"
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    stored = attachments.store_attachment(
        session,
        application,
        filename="plan.pdf",
        content=pdf_bytes(),
        kind="business_plan",
        upload_dir=tmp_path,
        actor=world.anna_actor,
    )
    assert stored.original_name == "plan.pdf" and stored.content_type == attachments.PDF
    assert len(stored.stored_name) == 32 and "plan" not in stored.stored_name
    path = tmp_path / stored.stored_name
    assert path.read_bytes() == pdf_bytes()
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert attachments.read_attachment(stored, tmp_path) == pdf_bytes()
    # A refused upload writes no file and no row.
    with pytest.raises(ValidationError):
        attachments.store_attachment(
            session,
            application,
            filename="../../x.pdf",
            content=pdf_bytes(),
            kind="business_plan",
            upload_dir=tmp_path,
            actor=world.anna_actor,
        )
    with pytest.raises(ValidationError, match="kind"):
        attachments.store_attachment(
            session,
            application,
            filename="x.pdf",
            content=pdf_bytes(),
            kind="selfie",
            upload_dir=tmp_path,
            actor=world.anna_actor,
        )
    assert sorted(os.listdir(tmp_path)) == [stored.stored_name]
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1
