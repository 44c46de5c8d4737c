"""The favicon: /favicon.ico answers an icon, and every page points at it."""

from __future__ import annotations


def test_favicon_ico_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header: reserved 0, type 1 (icon)


def test_pages_link_the_icon(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in page
    svg = page.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    response = client.get(svg)
    response.close()  # a static file is streamed from disk
    assert svg.endswith("favicon.svg") and response.status_code == 200
