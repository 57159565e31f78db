"""The built-in default corridor: four countries from a producing highland to a rich market."""

from __future__ import annotations

from sim.world.corridor import Corridor, Place, build, two_way

__all__ = ["default_corridor"]


def default_corridor(population_scale: float = 1.0, max_routes: int = 12) -> Corridor:
    """Four countries from a producing highland (Varda) to a rich market (Tessaly), weapons flowing back."""

    def pop(n: int) -> int:
        return round(n * population_scale)

    places = [
        # Varda: producer and source of migrants; a market for weapons.
        Place("varda_highlands", "origin", "Varda", pop(5000), commodities=("drugs",), x=0.0, y=2.0),
        Place("varda_valley", "origin", "Varda", pop(9000), commodities=("people",), x=0.5, y=0.5),
        Place("varda_city", "market", "Varda", pop(8000), demand=("weapons",), x=1.0, y=1.3),
        Place("vk_bridge", "crossing", "Kesh", legit_traffic=1500, lanes=5, x=2.0, y=1.5),
        Place("vk_trail", "informal_crossing", "Kesh", x=2.0, y=0.3),
        Place("vk_ford", "informal_crossing", "Kesh", x=2.0, y=-0.6),
        # Kesh: weak-governance transit country with an international airport.
        Place("kesh_town", "town", "Kesh", pop(6000), x=3.0, y=1.0),
        Place("kesh_city", "hub", "Kesh", pop(8000), x=4.0, y=2.0),
        Place("kesh_airport", "airport", "Kesh", legit_traffic=800, lanes=3, x=4.3, y=3.0),
        Place("ko_border", "crossing", "Olmar", legit_traffic=2000, lanes=6, x=5.0, y=1.7),
        Place("ko_river", "informal_crossing", "Olmar", x=5.0, y=0.4),
        Place("ko_pass", "informal_crossing", "Olmar", x=5.0, y=2.8),
        # Olmar: coastal transit country with a container port.
        Place("olmar_town", "town", "Olmar", pop(6000), x=6.0, y=1.0),
        Place("olmar_port", "port", "Olmar", legit_traffic=2500, lanes=6, x=6.3, y=-0.5),
        Place("ot_highway", "crossing", "Tessaly", legit_traffic=3000, lanes=8, x=7.0, y=1.5),
        Place("ot_desert", "informal_crossing", "Tessaly", x=7.0, y=0.2),
        Place("ot_canyon", "informal_crossing", "Tessaly", x=7.2, y=2.6),
        # Tessaly: destination market; legal gun shops feed weapons south.
        Place("tessaly_border_town", "town", "Tessaly", pop(5000), x=8.0, y=1.0),
        Place("tessaly_gunshops", "origin", "Tessaly", pop(1000), commodities=("weapons",), x=8.3, y=2.2),
        Place("tessaly_port", "port", "Tessaly", legit_traffic=2500, lanes=6, x=8.6, y=-0.6),
        Place("tessaly_airport", "airport", "Tessaly", legit_traffic=1500, lanes=5, x=9.0, y=3.0),
        Place("tessaly_capital", "market", "Tessaly", pop(10000), demand=("drugs", "people"), x=9.5, y=1.3),
    ]
    links = [
        *two_way("varda_highlands", "varda_city", 1.0, 0.004),
        *two_way("varda_valley", "varda_city", 1.0, 0.004),
        *two_way("varda_city", "vk_bridge", 1.0, 0.004),
        *two_way("varda_highlands", "vk_trail", 2.0, 0.006),
        *two_way("varda_valley", "vk_trail", 1.5, 0.006),
        *two_way("varda_valley", "vk_ford", 1.0, 0.005),
        *two_way("vk_ford", "kesh_town", 1.5, 0.006),
        *two_way("vk_bridge", "kesh_town", 0.5, 0.002),
        *two_way("vk_trail", "kesh_town", 1.0, 0.004),
        *two_way("kesh_town", "kesh_city", 1.0, 0.004),
        *two_way("kesh_city", "kesh_airport", 0.2, 0.002),
        *two_way("kesh_airport", "tessaly_airport", 0.5, 0.03, "air"),
        *two_way("kesh_city", "ko_border", 1.0, 0.004),
        *two_way("kesh_town", "ko_river", 1.5, 0.006),
        *two_way("ko_border", "olmar_town", 1.0, 0.004),
        *two_way("ko_river", "olmar_town", 1.5, 0.006),
        *two_way("kesh_city", "ko_pass", 1.5, 0.006),
        *two_way("ko_pass", "olmar_town", 1.5, 0.006),
        *two_way("olmar_town", "olmar_port", 0.5, 0.002),
        *two_way("olmar_port", "tessaly_port", 3.0, 0.01, "sea"),
        *two_way("olmar_town", "ot_highway", 1.0, 0.004),
        *two_way("olmar_town", "ot_desert", 2.0, 0.008),
        *two_way("ot_highway", "tessaly_border_town", 0.5, 0.002),
        *two_way("ot_desert", "tessaly_border_town", 1.5, 0.006),
        *two_way("olmar_town", "ot_canyon", 2.5, 0.01),
        *two_way("ot_canyon", "tessaly_capital", 2.0, 0.008),
        *two_way("tessaly_border_town", "tessaly_capital", 1.0, 0.004),
        *two_way("tessaly_gunshops", "tessaly_border_town", 0.5, 0.002),
        *two_way("tessaly_port", "tessaly_capital", 1.0, 0.004),
        *two_way("tessaly_airport", "tessaly_capital", 0.5, 0.003),
    ]
    return build("default", places, links, max_routes)
