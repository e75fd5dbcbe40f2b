"""The benign user-message corpora, split by domain so every false-alarm figure is measured on unseen traffic.

`benign_clinc150.jsonl` carries no labels; its rows keep the order of clinc/oos-eval's data_full.json (train
blocks of 100 rows per intent, then validation blocks of 20, test blocks of 30, then out-of-scope rows), so a
row's intent is its block's. `benign_clinc150_intents.json` names the 150 blocks in that order: each block's
centroid was matched to the intent names of clinc/oos-eval@828f809:data/domains.json (MiniLM, one-to-one
assignment) and checked by reading the blocks. The 5 rows dropped as duplicates shift a few boundary rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

INTENTS = Path(__file__).with_name("benign_clinc150_intents.json")
CLINC = "benign_clinc150.jsonl"
HOTELS = "benign_hotels_nlupp.jsonl"
DOMAINS: dict[str, tuple[str, ...]] = {
    "banking": ("freeze_account", "routing", "pin_change", "bill_due", "pay_bill", "account_blocked",
                "interest_rate", "min_payment", "bill_balance", "transfer", "order_checks", "balance",
                "spending_history", "transactions", "report_fraud"),
    "credit_cards": ("replacement_card_duration", "expiration_date", "damaged_card", "improve_credit_score",
                     "report_lost_card", "card_declined", "credit_limit_change", "apr", "redeem_rewards",
                     "credit_limit", "rewards_balance", "application_status", "credit_score", "new_card",
                     "international_fees"),
    "kitchen_and_dining": ("food_last", "confirm_reservation", "how_busy", "ingredients_list", "calories",
                           "nutrition_info", "recipe", "restaurant_reviews", "restaurant_reservation",
                           "meal_suggestion", "restaurant_suggestion", "cancel_reservation",
                           "ingredient_substitution", "cook_time", "accept_reservations"),
    "home": ("what_song", "play_music", "todo_list_update", "reminder", "reminder_update", "calendar_update",
             "order_status", "update_playlist", "shopping_list", "calendar", "next_song", "order", "todo_list",
             "shopping_list_update", "smart_home"),
    "auto_and_commute": ("current_location", "oil_change_when", "oil_change_how", "uber", "traffic",
                         "tire_pressure", "schedule_maintenance", "gas", "mpg", "distance", "directions",
                         "last_maintenance", "gas_type", "tire_change", "jump_start"),
    "travel": ("plug_type", "travel_notification", "translate", "flight_status", "international_visa", "timezone",
               "exchange_rate", "travel_suggestion", "travel_alert", "vaccines", "lost_luggage", "book_flight",
               "book_hotel", "carry_on", "car_rental"),
    "utility": ("weather", "alarm", "date", "find_phone", "share_location", "timer", "make_call", "calculator",
                "definition", "measurement_conversion", "flip_coin", "spelling", "time", "roll_dice", "text"),
    "work": ("pto_request_status", "next_holiday", "insurance_change", "insurance", "meeting_schedule", "payday",
             "taxes", "income", "rollover_401k", "pto_balance", "pto_request", "w2", "schedule_meeting",
             "direct_deposit", "pto_used"),
    "small_talk": ("who_made_you", "meaning_of_life", "who_do_you_work_for", "do_you_have_pets",
                   "what_are_your_hobbies", "fun_fact", "what_is_your_name", "where_are_you_from", "goodbye",
                   "thank_you", "greeting", "tell_joke", "are_you_a_bot", "how_old_are_you", "what_can_i_ask_you"),
    "meta": ("change_speed", "user_name", "whisper_mode", "yes", "change_volume", "no", "change_language", "repeat",
             "change_accent", "cancel", "sync_device", "change_user_name", "change_ai_name", "reset_settings",
             "maybe"),
}  # fmt: skip
"""clinc/oos-eval's ten domains and their intents (data/domains.json)."""
HELD_OUT = ("banking", "small_talk", "utility", "out_of_scope", "hotels")
"""Never trained or calibrated on by any safety model: the false-alarm rates the benchmark reports."""
SPLITS = ((0, 100), (15_000, 20), (18_000, 30))
"""(first row, rows per intent block) of clinc's train, validation and test splits; out-of-scope after 22,500."""


@dataclass(frozen=True)
class Message:
    """One benign user message: its text, its group (a clinc domain, `out_of_scope` or `hotels`), its intent."""

    text: str
    domain: str
    intent: str

    @property
    def held_out(self) -> bool:
        return self.domain in HELD_OUT

    @property
    def calibration(self) -> bool:
        """Every third intent of each training domain: held out of training, used to pick thresholds."""
        return not self.held_out and DOMAINS[self.domain].index(self.intent) % 3 == 0


def _intent(row: int, order: list[str]) -> str:
    for start, size in reversed(SPLITS):
        if row >= start:
            block = (row - start) // size
            return order[block] if block < len(order) else "out_of_scope"
    raise ValueError(row)


def messages(data: Path) -> list[Message]:
    """Both benign corpora, every row with its domain."""
    order = json.loads(INTENTS.read_text())
    domain_of = {intent: domain for domain, intents in DOMAINS.items() for intent in intents}
    out = []
    for row, line in enumerate((data / CLINC).read_text().splitlines()):
        intent = _intent(row, order)
        out.append(Message(json.loads(line)["text"], domain_of.get(intent, "out_of_scope"), intent))
    out += [Message(json.loads(line)["text"], "hotels", "hotels") for line in (data / HOTELS).read_text().splitlines()]
    return out
