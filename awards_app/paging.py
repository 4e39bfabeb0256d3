"""Long lists a page at a time: the page and its size from the request, Flask-SQLAlchemy's pagination over a query,
and the order a list's column headers ask for."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask import Flask, flash, request, url_for
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from .extensions import db

#: The page sizes offered; the first page of a list shows DEFAULT_PAGE_SIZE rows unless another size is chosen.
PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 100
#: Beyond any real list, and well within what a database offset can hold.
MAX_PAGE = 100_000


def page_size(default: int = DEFAULT_PAGE_SIZE) -> int:
    """The page size the request chose, when it is one of those offered, or the list's default."""
    size = request.args.get("per_page", type=int)
    return size if size in PAGE_SIZES else default


def paginate(query: sa.Select, default_size: int = DEFAULT_PAGE_SIZE) -> Pagination:
    """The page of the query's rows the request asks for (``page``, ``per_page``).

    A page number below 1 or unreadable is the first page; one past the last page shows the last page and says so,
    so an old link or a list that shrank never ends on an empty page or an error.
    """
    asked = request.args.get("page", 1, type=int)
    requested = min(max(asked, 1), MAX_PAGE)
    size = page_size(default_size)
    page = db.paginate(query, page=requested, per_page=size, max_per_page=max(PAGE_SIZES), error_out=False)
    if requested > 1 and requested > page.pages:
        last = max(page.pages, 1)
        flash(_("There is no page %(asked)d: this is page %(last)d, the last.", asked=asked, last=last), "info")
        page = db.paginate(query, page=last, per_page=size, max_per_page=max(PAGE_SIZES), error_out=False)
    return page


def chosen_sort(names: Collection[str], default: str) -> str:
    """The order the request's ``sort`` names when the list offers it, else the list's default."""
    name = request.args.get("sort", default)
    return name if name in names else default


def list_url(**changes) -> str:
    """This list's address with some of its arguments changed (a page, an order), the others kept as they are: the
    filters, the search, the order and the page size go along. A change to None drops the argument."""
    view_args = request.view_args or {}
    # Only the list's own arguments go along: not one that names the page's address (``round_id``) or one that
    # url_for reads itself (``_external``, ``_anchor``, ``_method``, ``_scheme``).
    args = {
        name: values
        for name, values in request.args.to_dict(flat=False).items()
        if name not in view_args and not name.startswith("_")
    }
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = [value]
    return url_for(request.endpoint or "main.index", **view_args, **args)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(list_url=list_url, page_sizes=PAGE_SIZES)
