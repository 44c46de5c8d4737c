"""Who acted and what the history notes say, as people read them (found by the Dutch journey).

Services record an actor by log-in e-mail and write a few history notes in a fixed English form;
pages show the person's name and the note in the reader's words (here Dutch, the labels tests'
catalogue), dates and numbers per locale.
"""

from __future__ import annotations

from bank.web.filters import seconds_filter, transition_note_filter, who_filter


def test_people_are_named_and_the_bank_itself_is_said_in_words(app, make_user):
    make_user("credit_officer", email="fatma@test.example", name="Fatma Yilmaz")
    make_user("member", email="noor@test.example", name="Noor Reis")
    with app.test_request_context():
        assert who_filter("fatma@test.example") == "Fatma Yilmaz"
        assert who_filter("noor@test.example") == "Noor Reis"
        assert who_filter("system:close-day") == "de bank (automatisch)"
        assert who_filter("gone@test.example") == "gone@test.example"
        assert who_filter(None) == "—"


def test_history_notes_are_read_back_in_words_with_dutch_dates(app, make_user):
    make_user("committee", email="els@test.example", name="Els van Dijk")
    make_user("teller", email="pieter@test.example", name="Pieter Jansen")
    with app.test_request_context():
        assert transition_note_filter("agenda of 2026-12-10") == "agenda van 10-12-2026"
        assert (
            transition_note_filter("2 for, 0 against, 1 abstained; recused: els@test.example")
            == "2 voor, 0 tegen, 1 onthouding; verschoond: Els van Dijk"
        )
        assert (
            transition_note_filter("1 for, 2 against, 0 abstained\nTe weinig omzet")
            == "1 voor, 2 tegen, 0 onthouding\nTe weinig omzet"
        )
        payout = "loan WL-2026-0013; approved by pieter@test.example, prepared by system:demo"
        assert (
            transition_note_filter(payout)
            == "lening WL-2026-0013; gefiatteerd door Pieter Jansen, voorbereid door de bank (automatisch)"
        )
        assert transition_note_filter("Wilt u de offerte toevoegen?") == "Wilt u de offerte toevoegen?"
        assert transition_note_filter(None) == ""


def test_durations_use_the_locale_decimal_comma(app):
    with app.test_request_context():
        assert seconds_filter(0.34) == "0,3 s"
        assert seconds_filter(1234.56) == "1.234,6 s"
        assert seconds_filter(None) == ""
