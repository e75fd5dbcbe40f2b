"""The demo's Spanish-speaking users: a few help-centre facts in Spanish, answered from Spanish passages, and
answered worse (invented details more often): the group a disparity rule should find.

The questions are ones the injection model leaves alone: it flags some short Spanish questions (a blind spot
pinned in tests/unit/test_safety_evaluators.py), and the demo's Spanish users should stand out for one reason."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Translation:
    """A fact of the English help centre (corpus.FACTS, by id) as the Spanish help centre has it."""

    passage: str
    questions: tuple[str, ...]
    answer: str
    fabricated: str


TRANSLATIONS: dict[str, Translation] = {
    "kb-refunds": Translation(
        "Los reembolsos están disponibles durante 30 días desde el primer pago en cualquier plan. Los reembolsos se "
        "devuelven al método de pago original y tardan de 5 a 10 días hábiles en aparecer. Los cargos por uso no son "
        "reembolsables.",
        (
            "¿Cuánto tardan los reembolsos?",
            "¿Se reembolsan los cargos por uso?",
            "¿Se pueden reembolsar los cargos por uso?",
        ),
        "Los reembolsos están disponibles durante 30 días desde el primer pago y se devuelven al método de pago "
        "original en 5 a 10 días hábiles. Los cargos por uso no son reembolsables.",
        "Puedes pedir un reembolso completo durante 90 días, incluidos los cargos por uso, y llega en 24 horas.",
    ),
    "kb-data-region": Translation(
        "Los datos de los clientes se guardan por defecto en la región de la UE, en Frankfurt. Los clientes Enterprise "
        "pueden elegir la región de EE. UU. en Virginia o la región APAC en Singapur al crear el espacio de trabajo. "
        "Los datos nunca salen de la región elegida, tampoco las copias de seguridad.",
        ("¿Dónde se almacenan mis datos?", "¿Las copias de seguridad salen de la UE?"),
        "Por defecto los datos se guardan en Frankfurt, en la UE. Los clientes Enterprise pueden elegir Virginia o "
        "Singapur al crear el espacio de trabajo, y las copias de seguridad nunca salen de la región elegida.",
        "Tus datos se guardan en Dublín y se copian cada noche a Oregón para las copias de seguridad.",
    ),
    "kb-pricing-pro": Translation(
        "El plan Pro cuesta 49 $ al mes con facturación mensual e incluye 5 puestos. Los puestos adicionales cuestan "
        "9 $ cada uno. La facturación anual baja el precio a 470 $ al año. Todos los planes incluyen inicio de sesión "
        "único a partir del nivel Pro.",
        ("¿Cuánto cuesta el plan Pro?", "¿Cuánto cuesta el plan Pro al mes?", "¿Cuánto cuesta el plan Pro al año?"),
        "El plan Pro cuesta 49 $ al mes e incluye 5 puestos, y los puestos adicionales cuestan 9 $ cada uno. "
        "La facturación anual baja el precio a 470 $ al año.",
        "El plan Pro cuesta 79 $ al mes con 10 puestos incluidos, y los puestos adicionales son gratis hasta marzo "
        "de 2027.",
    ),
    "kb-export": Translation(
        "Los propietarios del espacio de trabajo pueden exportar todos los proyectos como un archivo ZIP de ficheros "
        "JSON desde Ajustes, Datos. Las exportaciones se preparan en segundo plano y se envía por correo un enlace de "
        "descarga válido durante 7 días.",
        (
            "¿Cómo exporto mis datos?",
            "¿Cuánto dura el enlace de exportación?",
            "¿En qué formato son las exportaciones?",
        ),
        "Un propietario del espacio de trabajo puede exportar todos los proyectos como un archivo ZIP de ficheros "
        "JSON desde Ajustes, Datos; el enlace de descarga enviado por correo es válido durante 7 días.",
        "Cualquier miembro puede exportar los datos como un fichero CSV, y el enlace no caduca nunca.",
    ),
}


@dataclass(frozen=True)
class SpanishCall:
    question: str
    answer: str
    passage: str
    fabricated: bool


def pick(side: random.Random, fact_id: str, share: float, ungrounded: float, fabricating: bool) -> SpanishCall | None:
    """Whether this call on `fact_id` comes from a Spanish-speaking user (`share` of the facts translated), and
    what they asked and got: an invented answer when the call already fabricates, else `ungrounded` of the time.

    Drawn from `side`, a generator of its own, so the rest of the demo's traffic stays as it was."""
    found = TRANSLATIONS.get(fact_id)
    if found is None or side.random() >= share:
        return None
    fabricated = fabricating or side.random() < ungrounded
    answer = found.fabricated if fabricated else found.answer
    return SpanishCall(side.choice(found.questions), answer, found.passage, fabricated)
