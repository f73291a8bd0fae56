"""A staff member's own account: the mediator's available / away switch (also in every
page's header), the second factor (enrolment, required of administrators before
anything else; optional for mediators) and their password (changed before anything
else after a temporary one)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from bot.services.staff_accounts import CodeCheck, StaffAccounts, StaffError, Stage
from bot.services.staff_forms import PasswordForm, read_form
from bot.web.auth import safe_next
from bot.web.pages import SESSION_COOKIE, Console, staff, staff_route
from bot.web.sign_in_steps import translated_errors

__all__ = ["account_routes"]


def account_routes(console: Console, accounts: StaffAccounts) -> list[BaseRoute]:
    def t(request: Request, msgid: str) -> str:
        return console.translator(staff(request).user).gettext(msgid)

    async def account(request: Request, *, notice: str = "", status_code: int = 200) -> Response:
        user = staff(request).user
        since = await asyncio.to_thread(accounts.away_since, user)
        return console.render(
            request,
            "console_account.html",
            status_code=status_code,
            away_since=since,
            notice=notice,
            done=request.query_params.get("done", ""),
        )

    async def away(request: Request) -> Response:
        data = await request.form()
        try:
            await asyncio.to_thread(
                accounts.set_away, staff(request).user, data.get("away") == "1", console.clock()
            )
        except StaffError as exc:
            return await account(request, notice=t(request, exc.msgid), status_code=400)
        return RedirectResponse(safe_next(str(data.get("next", ""))), status_code=303)

    async def password(request: Request) -> Response:
        session = staff(request)
        after = safe_next(request.query_params.get("next", ""))
        if request.method == "GET":
            return console.render(request, "console_password.html", errors={}, next=after)
        data = await request.form()
        form = read_form(
            PasswordForm,
            {"password": str(data.get("password", "")), "again": str(data.get("again", ""))},
        )
        errors = {} if isinstance(form, PasswordForm) else translated_errors(console, request, form)
        if isinstance(form, PasswordForm):
            try:
                await asyncio.to_thread(
                    accounts.change_password,
                    session.user,
                    str(data.get("current", ""))[:1024],
                    form.password,
                    request.cookies.get(SESSION_COOKIE, ""),
                    console.clock(),
                )
            except StaffError as exc:
                errors = {"current": t(request, exc.msgid)}
        if errors:
            return console.render(
                request, "console_password.html", status_code=400, errors=errors, next=after
            )
        return RedirectResponse(safe_next(str(data.get("next", ""))), status_code=303)

    async def totp(request: Request) -> Response:
        session = staff(request)
        after = safe_next(request.query_params.get("next", ""))
        error = ""
        if request.method == "POST":
            data = await request.form()
            result = await asyncio.to_thread(
                accounts.confirm_enrolment,
                session.user,
                str(data.get("code", ""))[:16],
                console.clock(),
            )
            if result is CodeCheck.OK:
                return RedirectResponse(
                    safe_next(str(data.get("next", "")))
                    if data.get("next")
                    else "/console/account?done=totp",
                    status_code=303,
                )
            error = str(result)
        if session.user.totp:
            return RedirectResponse("/console/account", status_code=303)
        enrolment = await asyncio.to_thread(accounts.enrolment, session.user)
        return console.render(
            request,
            "console_totp.html",
            status_code=400 if error else 200,
            enrolment=enrolment,
            error=error,
            next=after if request.query_params.get("next") else "",
        )

    async def totp_remove(request: Request) -> Response:
        data = await request.form()
        try:
            result = await asyncio.to_thread(
                accounts.remove_own_totp,
                staff(request).user,
                str(data.get("code", ""))[:16],
                console.clock(),
            )
        except StaffError as exc:
            return await account(request, notice=t(request, exc.msgid), status_code=400)
        if result is not CodeCheck.OK:
            return await account(
                request, notice=t(request, "console.staff.error.wrong_code"), status_code=400
            )
        return RedirectResponse("/console/account?done=totp_removed", status_code=303)

    async def account_page(request: Request) -> Response:
        return await account(request)

    return [
        staff_route(console, "/console/account", account_page, name="console_account"),
        staff_route(console, "/console/account/away", away, methods=("POST",), name="console_away"),
        staff_route(
            console,
            "/console/account/password",
            password,
            methods=("GET", "POST"),
            name="console_password",
            stages=frozenset({Stage.PASSWORD, Stage.FULL}),
        ),
        staff_route(
            console,
            "/console/account/totp",
            totp,
            methods=("GET", "POST"),
            name="console_totp",
            stages=frozenset({Stage.ENROL, Stage.FULL}),
        ),
        staff_route(
            console,
            "/console/account/totp/remove",
            totp_remove,
            methods=("POST",),
            name="console_totp_remove",
        ),
    ]
