"""Console accounts for administrators: the list (role, active, mediator, last
sign-in, second factor), a new account with a one-time sign-in link or a temporary
password, and on an account's page: disable or enable, a new link or temporary
password, the role, the linked mediator record, resetting the second factor. The
service refuses leaving no active administrator and audits every change."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.services.staff_accounts import Issued, StaffAccounts, StaffError
from bot.services.staff_forms import CONSOLE_LANGUAGES, AccountForm, read_form
from bot.web.pages import ADMIN, Console, staff, staff_route
from bot.web.sign_in_steps import translated_errors

__all__ = ["staff_admin_routes"]

_ACTIONS = frozenset({"disable", "enable", "role", "mediator", "password", "totp_reset"})


def staff_admin_routes(console: Console, accounts: StaffAccounts) -> list[BaseRoute]:
    async def listing(
        request: Request,
        *,
        errors: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        status_code: int = 200,
    ) -> Response:
        users = await asyncio.to_thread(accounts.accounts)
        free = await asyncio.to_thread(accounts.unlinked_mediators)
        return console.render(
            request,
            "console_users.html",
            status_code=status_code,
            users=users,
            free_mediators=free,
            languages=CONSOLE_LANGUAGES,
            errors=errors or {},
            values=values or {"method": "link", "role": "mediator"},
        )

    async def users(request: Request) -> Response:
        return await listing(request)

    def issued(request: Request, result: Issued) -> Response:
        link = None
        if result.link_token:
            base = f"{request.url.scheme}://{request.url.netloc}"
            link = base + str(request.app.url_path_for("console_welcome", token=result.link_token))
        return console.render(
            request,
            "console_user_issued.html",
            issued=result.user,
            link=link,
            temporary=result.temporary,
        )

    async def add(request: Request) -> Response:
        data = await request.form()
        values = {
            k: str(data.get(k, ""))
            for k in ("username", "role", "language", "mediator_id", "method")
        }
        form = read_form(AccountForm, values)
        if not isinstance(form, AccountForm):
            errors = translated_errors(console, request, form)
            return await listing(request, errors=errors, values=values, status_code=400)
        try:
            result = await asyncio.to_thread(
                accounts.create, staff(request).user, form, console.clock()
            )
        except StaffError as exc:
            t = console.translator(staff(request).user)
            field = "mediator_id" if "mediator" in exc.msgid else "username"
            return await listing(
                request, errors={field: t.gettext(exc.msgid)}, values=values, status_code=400
            )
        return issued(request, result)

    async def one(request: Request, *, notice: str = "", status_code: int = 200) -> Response:
        try:
            user = await asyncio.to_thread(accounts.account, request.path_params["user_id"])
        except StaffError:
            return console.render(request, "console_refused.html", status_code=404)
        free = await asyncio.to_thread(accounts.unlinked_mediators)
        return console.render(
            request,
            "console_user.html",
            status_code=status_code,
            account=user,
            free_mediators=free,
            notice=notice,
            done=request.query_params.get("done", ""),
        )

    async def user_page(request: Request) -> Response:
        return await one(request)

    async def act(request: Request) -> Response:
        user_id, action = request.path_params["user_id"], request.path_params["action"]
        if action not in _ACTIONS:
            return console.render(request, "console_refused.html", status_code=404)
        data = await request.form()
        actor, now = staff(request).user, console.clock()
        try:
            if action in ("disable", "enable"):
                await asyncio.to_thread(
                    accounts.set_active, actor, user_id, action == "enable", now
                )
            elif action == "role":
                role = str(data.get("role", ""))
                if role in ("admin", "mediator"):
                    await asyncio.to_thread(accounts.set_role, actor, user_id, role, now)
            elif action == "mediator":
                raw = str(data.get("mediator_id", ""))
                mediator_id = int(raw) if raw.isdigit() else None
                await asyncio.to_thread(accounts.link_mediator, actor, user_id, mediator_id, now)
            elif action == "password":
                method = "temporary" if data.get("method") == "temporary" else "link"
                result = await asyncio.to_thread(
                    accounts.reset_password, actor, user_id, method, now
                )
                return issued(request, result)
            else:
                await asyncio.to_thread(accounts.reset_totp, actor, user_id, now)
        except StaffError as exc:
            t = console.translator(actor)
            return await one(request, notice=t.gettext(exc.msgid), status_code=409)
        return RedirectResponse(f"/console/users/{user_id}?done={action}", status_code=303)

    return [
        staff_route(console, "/console/users", users, role=ADMIN, name="console_users"),
        staff_route(
            console, "/console/users", add, role=ADMIN, methods=("POST",), name="console_user_add"
        ),
        staff_route(
            console, "/console/users/{user_id:int}", user_page, role=ADMIN, name="console_user"
        ),
        staff_route(
            console,
            "/console/users/{user_id:int}/{action:str}",
            act,
            role=ADMIN,
            methods=("POST",),
            name="console_user_act",
        ),
    ]
