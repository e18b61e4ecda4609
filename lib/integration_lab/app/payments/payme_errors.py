"""The Payme Merchant API's error answers: JSON-RPC errors with a message in ru, uz and en.

Payme shows the merchant's message to the payer in their language, so every error carries all three.
The codes are Payme's; the wording is the merchant's own choice (Payme's PHP template's where it has one).
`data` names the account field for the -31050…-31099 account errors.
"""

from __future__ import annotations

from typing import Any

ACCOUNT_FIELD = "order_id"

MESSAGES: dict[int, tuple[str, str, str]] = {  # code: (ru, uz, en)
    -32300: ("Метод запроса должен быть POST.", "So'rov usuli POST bo'lishi kerak.", "The request method must be POST."),
    -32700: ("Ошибка разбора JSON.", "JSON tahlilida xatolik.", "Could not parse JSON."),
    -32600: ("Неверный запрос: отсутствуют поля или неверные типы.",
             "Noto'g'ri so'rov: maydonlar yo'q yoki turlari noto'g'ri.",
             "Invalid request: missing fields or wrong types."),
    -32601: ("Метод не найден.", "Usul topilmadi.", "Method not found."),
    -32504: ("Недостаточно привилегий для выполнения метода.", "Usulni bajarish uchun huquqlar yetarli emas.",
             "Insufficient privilege to perform this method."),
    -32400: ("Внутренняя ошибка сервиса.", "Tizimda xatolik yuzaga keldi.", "Internal service error."),
    -31001: ("Неверная сумма.", "Noto'g'ri summa.", "Incorrect amount."),
    -31003: ("Транзакция не найдена.", "Tranzaksiya topilmadi.", "Transaction not found."),
    -31007: ("Заказ выполнен. Невозможно отменить транзакцию.", "Buyurtma bajarilgan. Tranzaksiyani bekor qilib bo'lmaydi.",
             "The order has been delivered. The transaction cannot be cancelled."),
    -31008: ("Невозможно выполнить данную операцию.", "Ushbu amalni bajarib bo'lmaydi.",
             "Unable to perform this operation."),
    -31050: ("Неверный код заказа.", "Harid kodida xatolik.", "Incorrect order code."),
    -31051: ("Для этого заказа уже есть активная транзакция.", "Bu buyurtma uchun faol tranzaksiya mavjud.",
             "There is another active transaction for this order."),
    -31052: ("Заказ уже оплачен или отменён.", "Buyurtma allaqachon to'langan yoki bekor qilingan.",
             "The order is already paid or cancelled."),
}

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, NOT_POST = -32700, -32600, -32601, -32300
INSUFFICIENT_PRIVILEGE, INTERNAL_ERROR = -32504, -32400
WRONG_AMOUNT, NOT_FOUND, CANNOT_CANCEL, CANNOT_PERFORM = -31001, -31003, -31007, -31008
ORDER_NOT_FOUND, ORDER_BUSY, ORDER_CLOSED = -31050, -31051, -31052


class PaymeError(Exception):
    def __init__(self, code: int, data: Any = None):
        super().__init__(code)
        self.code, self.data = code, data

    def body(self, request_id: Any) -> dict[str, Any]:
        ru, uz, en = MESSAGES[self.code]
        return {"id": request_id, "result": None,
                "error": {"code": self.code, "message": {"ru": ru, "uz": uz, "en": en}, "data": self.data}}


def account_error(code: int) -> PaymeError:
    return PaymeError(code, ACCOUNT_FIELD)
