"""Valid identifiers for tests (11-proef and IBAN check digits hold)."""

VALID_BSN = "111222333"
OTHER_VALID_BSN = "123456782"
VALID_IBAN = "NL91ABNA0417164300"
