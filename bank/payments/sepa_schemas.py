"""The XML schemas a SEPA file is checked against before the bank keeps or sends it (pure).

The XSDs are the ISO 20022 ones that ship with sepaxml (``sepaxml/schemas``), so the files we
build and the schemas they are held to come from one pinned package. Each schema is read and
compiled once per process; validating with one compiled schema is serialised by a lock, because
an lxml validator keeps its error log on the instance and is not safe to share between threads
(a web worker's threads, the scheduler). A file that does not validate is refused with the
schema's own words: the first error, its line and the element it is about.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources

from lxml import etree

from bank.errors import N_, BankError

#: Every message version Wijkbank writes: pain.008 (collections), pain.001 (payouts).
PAIN_008_VERSIONS = ("pain.008.001.02", "pain.008.001.08")
PAIN_001_VERSIONS = ("pain.001.001.03", "pain.001.001.09")
VERSIONS = PAIN_008_VERSIONS + PAIN_001_VERSIONS


class SepaFileInvalid(BankError):
    """A built SEPA file breaks its XML schema; it is refused, never stored or sent."""

    code = "sepa_file_invalid"
    http_status = 422


def namespace(version: str) -> str:
    """The XML namespace of a message version (``urn:iso:std:iso:20022:tech:xsd:pain.008.001.02``)."""
    return f"urn:iso:std:iso:20022:tech:xsd:{version}"


class _Schema:
    """One compiled XSD and the lock that lets one thread at a time validate with it."""

    def __init__(self, version: str) -> None:
        source = resources.files("sepaxml").joinpath("schemas", f"{version}.xsd")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        self.xsd = etree.XMLSchema(etree.fromstring(source.read_bytes(), parser))
        self.lock = threading.Lock()


@functools.cache
def _schema(version: str) -> _Schema:
    if version not in VERSIONS:
        raise ValueError(f"no XSD for {version!r}; known: {', '.join(VERSIONS)}")
    return _Schema(version)


def check(document: etree._Element, version: str) -> None:
    """Validate ``document`` (the root ``Document`` element) against the XSD of ``version``.

    Raises :class:`SepaFileInvalid` naming the first error the schema reports; a root in another
    namespace than the version's fails here too (the schema declares no such ``Document``).
    """
    schema = _schema(version)
    with schema.lock:
        try:
            if schema.xsd.validate(document):
                return
        except etree.XMLSchemaValidateError as error:  # libxml2 gives up (an unresolved entity)
            raise SepaFileInvalid(
                N_("the %(version)s file cannot be checked against its XML schema: %(reason)s"),
                version=version,
                reason=str(error),
            ) from None
        errors = list(schema.xsd.error_log)
    first = errors[0]
    raise SepaFileInvalid(
        N_("the %(version)s file does not follow its XML schema (line %(line)s): %(reason)s"),
        version=version,
        line=first.line,
        reason=first.message,
    )


def check_bytes(xml_bytes: bytes, version: str) -> None:
    """Validate a file as bytes (a stored file, before it is sent again).

    Entities are not resolved and nothing is fetched; a file with a DOCTYPE (where entities live)
    is refused before validation, since libxml2's validator fails on an unresolved entity.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        document = etree.fromstring(xml_bytes, parser)
    except etree.XMLSyntaxError as error:
        raise SepaFileInvalid(
            N_("the %(version)s file is not well-formed XML: %(reason)s"), version=version, reason=str(error)
        ) from None
    if document.getroottree().docinfo.doctype:
        raise SepaFileInvalid(
            N_("the %(version)s file has a document type declaration, which a SEPA file never has"),
            version=version,
        )
    check(document, version)
