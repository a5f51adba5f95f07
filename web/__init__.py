"""The service's pages: server-rendered, progressive enhancement, GOV.UK Frontend components.

Pages live in the same FastAPI app as the JSON API and call the same workflow clients and
queries; every form works without JavaScript. ``install`` mounts the pages, the assets that
``./dev`` installs from the npm registry, and the offline API docs.
"""

from __future__ import annotations

from web.app import install

__all__ = ["install"]
