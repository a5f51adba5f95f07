"""What every page must pass: axe-core's WCAG 2.2 A/AA rules, and a screenshot to look at."""

from __future__ import annotations

import re

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from tests.web.conftest import SCREENSHOTS

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_axe = Axe()


async def accessible(page: Page, name: str) -> None:
    """Save a screenshot as ``var/screenshots/<name>.png`` and assert axe finds no violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(
        path=SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name)}.png", full_page=True
    )
    results = await _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()
