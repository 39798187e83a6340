"""The demo's correspondence and service requests: what a new visitor finds after ``make demo``.

ООО «Ромашка» (vk123) asked why the readings of its hot-water meter are refused, and the
operator replied with a PDF memo attached (unread by vk123: the menu shows the count); the
operator is sealing that meter on a service request. АО «ЗМК» (vk4587) has a question nobody
has taken yet and a new request for the verification of its overdue meter, so the
operator's inbox and queue have something waiting. Written through the real operations,
so the audit log, the read markers and the e-mail notices are what they would be.
"""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from documents.fonts import BOLD, REGULAR, register_fonts
from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Client, Meter
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession
from lk_corporate.core.storage import FileStore
from lk_corporate.messages import operations as messages
from lk_corporate.messages.models import ThreadCategory
from lk_corporate.service_requests import operations as requests
from lk_corporate.service_requests.models import RequestKind, RequestStatus

MEMO_NAME = "Памятка — регистрация прибора учёта.pdf"
_MEMO_LINES = (
    "Порядок регистрации прибора учёта без заводского номера",
    "",
    "1. Пришлите скан паспорта прибора учёта ответом в переписке с поставщиком",
    "   («Поставщик → Мои обращения»).",
    "2. Подайте заявку на опломбирование («Поставщик → Заявки на обслуживание»).",
    "3. После опломбирования оператор внесёт заводской номер и дату поверки,",
    "   и показания по прибору будут приниматься в разделе «Показания».",
    "",
    "Показания учитываются в расчёте только после подписания акта предоставления",
    "показаний электронной подписью уполномоченного лица.",
)


def memo_pdf() -> bytes:
    """A one-page memo in Russian (the operator's attachment)."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle("Памятка: регистрация прибора учёта")
    canvas.setFont(BOLD, 13)
    y = A4[1] - 25 * mm
    canvas.drawString(20 * mm, y, "АО «Северэнергосбыт» — памятка для потребителей")
    canvas.setFont(REGULAR, 11)
    for line in _MEMO_LINES:
        y -= 7 * mm
        canvas.drawString(20 * mm, y, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _actor(user: User) -> Actor:
    return Actor(user.id, user.login, "127.0.0.1")


def seed_correspondence(session: DbSession, store: FileStore, *, clients: dict[str, Client],
                        users: dict[str, User], today: dt.date) -> None:
    romashka, zmk = clients["123"], clients["4587"]
    vk123, vk4587, operator = users["vk123"], users["vk4587"], users["operator"]

    question = messages.start_thread(
        session, store, client_id=romashka.id, actor=_actor(vk123),
        subject="Не принимаются показания счётчика горячей воды",
        category=ThreadCategory.READINGS,
        body=("Здравствуйте!\n\nВ разделе «Показания» прибор учёта горячей воды (водомерный "
              "узел, подвал) не принимает показания: пишет, что у прибора нет заводского "
              "номера. Счётчик установлен в сентябре, паспорт у нас есть. Что нужно сделать?\n\n"
              "Иванова М. С., главный бухгалтер"))
    messages.assign(session, question, assignee_id=operator.id, actor=_actor(operator))
    messages.reply(
        session, store, question, actor=_actor(operator), from_staff=True,
        body=("Здравствуйте, Мария Сергеевна!\n\nПрибор учёта горячей воды зарегистрирован у "
              "нас без заводского номера, поэтому показания по нему не передаются. Пришлите, "
              "пожалуйста, скан паспорта прибора ответом в этом обращении и подайте заявку на "
              "опломбирование. Порядок действий — в памятке во вложении.\n\n"
              "Кузнецова А. П., абонентский отдел"),
        uploads=[messages.Upload(MEMO_NAME, memo_pdf())])

    hot_water = session.scalars(select(Meter).where(Meter.client_id == romashka.id,
                                                    Meter.factory_number.is_(None))).first()
    seal = requests.create_request(
        session, client_id=romashka.id, actor=_actor(vk123), today=today,
        data=requests.RequestData(
            kind=RequestKind.SEAL, meter_id=hot_water.id if hot_water else None,
            description=("Прошу опломбировать прибор учёта горячей воды после замены "
                         "и внести его заводской номер. Паспорт прибора приложим при визите."),
            contact_phone="+7 495 000-00-00", preferred_date=today + dt.timedelta(days=5)))
    requests.move(session, seal, RequestStatus.IN_PROGRESS, comment="", actor=_actor(operator))

    messages.start_thread(
        session, store, client_id=zmk.id, actor=_actor(vk4587),
        subject="Счёт за прошлый месяц: сверка объёма по цеху № 2",
        category=ThreadCategory.INVOICES,
        body=("Добрый день!\n\nПросим проверить объём по прибору № 0804205678 (цех № 2): по "
              "нашим данным расход меньше на 1 200 кВт·ч. Готовы направить акт снятия "
              "показаний.\n\nПетров И. Н."))
    overdue = session.scalars(select(Meter).where(Meter.factory_number == "0804205678")).first()
    requests.create_request(
        session, client_id=zmk.id, actor=_actor(vk4587), today=today,
        data=requests.RequestData(
            kind=RequestKind.VERIFICATION, meter_id=overdue.id if overdue else None,
            description="Срок поверки прибора учёта истёк 31.05.2025. Просим организовать поверку.",
            contact_phone="+7 495 111-22-33"))
