"""The source or reasoning behind each behavioural parameter whose schema note gives none.

`docs/parameters.md` (rendered by `sim.config.parameters`) shows each key's schema note followed by the
entry here. A published figure is cited with author or publisher and year; where no published figure
sets the value the entry says so: `judgement: <reasoning>` or `calibrated: <what to>`. Figures come from
the research notes for issue 8 (item 6); those the notes marked as unchecked are flagged "(unverified)".
Model money is in M (millions of currency units); `costs.officer_salary` = 0.02 M a year sets its scale.
"""

from __future__ import annotations

from sim.config.schema import SPECS

_NETWORK_STRUCTURE = ("judgement: small, cell-structured organisations of the kind described in Dutch and "
                      "Canadian case studies (Duijn, Kashirin & Sloot 2014, Scientific Reports; Morselli & Petit "
                      "2007, Global Crime); sized so the default corridor stays small and fast")
_ROUTE_LEARNING = ("judgement: traffickers learn from seizures and shift routes (cat-and-mouse adaptation "
                   "reproduced by Magliocca et al. 2019, PNAS 116(16)); no published value for the weight")
_SALARY = SPECS["costs.officer_salary"].default


def _lever_cost(key: str) -> str:
    """A lever's cost stated in officer-years, the only scale model money has."""
    years = SPECS[key].default / _SALARY
    return (f"judgement: the lever's yearly cost at full strength, about {years:.0f} officer-years at "
            "costs.officer_salary; no published cost for a corridor of this size, so the ratios between "
            "levers are what matter")

SOURCES: dict[str, str] = {
    "warmup_days": "judgement: a year lets corruption, trust, recruitment and learned route risk settle from "
                   "their initial values (docs/ODD.md, initialization); the drift after it is checked by "
                   "tests/test_baseline_steady.py",
    # network
    "network.organisations": _NETWORK_STRUCTURE,
    "network.cells_per_org": _NETWORK_STRUCTURE,
    "network.couriers_per_cell": _NETWORK_STRUCTURE,
    "network.recruiters_per_cell": _NETWORK_STRUCTURE,
    "network.lateral_tie_prob": "judgement: cells are dense inside and sparse between (Morselli 2009, Inside "
                                "Criminal Networks: the efficiency/security trade-off)",
    "network.initial_cash": "judgement: about a month of an organisation's outlays at the default tempo (see "
                            "finance.working_capital), so that founding organisations can front loads",
    "network.courier_rest_days": "judgement: a few days between trips; no published figure",
    "network.member_upkeep_per_day": "judgement: 0.73 M a year per member, far above an officer's pay (0.02 M): "
                                     "members share in proceeds; no published figure",
    "network.recruit_cost": "judgement: a year of an officer's pay (costs.officer_salary) to bring a courier "
                            "in; no published figure",
    "network.recruit_base_prob": "judgement: a short cell refills a courier's place in days to weeks; low-level "
                                 "members are replaced quickly (Kleiman 1997, Drug Policy Analysis Bulletin 3, "
                                 "unverified)",
    "network.recruiter_facilitator_lift": "judgement: a hired recruiter widens the pool; no published figure",
    "network.leader_tie_prob": "judgement: about half the lieutenants depend on a broker to reach the core, so "
                               "that broker targeting can cut cells off (Morselli 2009: brokers hold the most "
                               "strategic positions; Duijn, Kashirin & Sloot 2014)",
    "network.promotion_prob": "judgement: replacement of key roles takes time and trust (Duijn, Kashirin & "
                              "Sloot 2014); about 20 days is at the fast end",
    "network.lieutenant_min_tenure_days": "judgement: scarce human capital (trust, contacts) cannot be replaced "
                                          "by a new recruit (Duijn, Kashirin & Sloot 2014, Scientific Reports 4)",
    "network.leader_min_tenure_days": "judgement: as for lieutenants, longer for the top (Duijn, Kashirin & "
                                      "Sloot 2014)",
    "network.founding_tenure_days": "judgement: organisations present at the start are established, so their "
                                    "members are experienced and eligible for promotion",
    "network.reconnect_prob": "judgement: cut-off parts of a network re-attach and the network decentralises "
                              "rather than dies (Morselli & Petit 2007, Global Crime 8(2))",
    "network.dismantle_days": "judgement: a cell cannot trade long without its lieutenant or supply; about six "
                              "weeks, so that cells can be dismantled (issue 8, item 2)",
    "network.cell_reform_prob": "judgement: networks recover after disruption over months (Diviák 2023, J. "
                                "Experimental Criminology; Morselli & Petit 2007)",
    "network.leaderless_pause_prob": "judgement: a leaderless organisation trades at reduced tempo; no "
                                     "published rate",
    "network.courier_capacity": "judgement: the unit of load size: one courier carries one standard load",
    "network.courier_return_factor": "judgement: the way back takes as long as the way out",
    "network.novice_detectability": "judgement: inexperienced couriers are more often caught; no published "
                                    "figure",
    "network.skill_learning_days": "judgement: a few months of trips; no published figure",
    "network.supplier_credit": "judgement: wholesale suppliers front loads on consignment to trusted buyers; "
                               "no published amount",
    "network.risk_prior": "judgement: about the random inspection share (policy.inspection_rate 0.05)",
    "network.informal_risk_prior_factor": _ROUTE_LEARNING,
    "network.risk_learning_rate": _ROUTE_LEARNING,
    "network.social_learning_weight": _ROUTE_LEARNING,
    "network.route_temperature": _ROUTE_LEARNING,
    "network.exploration": _ROUTE_LEARNING,
    "network.max_routes": "judgement: a numerical limit on the quickest forward paths kept per origin and "
                          "market; more adds run time, not behaviour",
    # demand
    "demand.orders_people": "judgement: set relative to demand.orders_drugs so that the three commodities "
                            "share the default corridor's couriers; no published figure",
    "demand.orders_weapons": "judgement: as for demand.orders_people",
    "demand.elasticity_weapons": "judgement: no published estimate for illicit firearms; illicit drugs average "
                                 "about -0.9 (Australian Institute of Criminology 2020, Trends & Issues 606)",
    "demand.scarcity_premium": "judgement: prices rise when supply falls short; no published coefficient",
    "demand.risk_memory": "judgement: markets react to seizures over weeks to months",
    "demand.scarcity_memory": "judgement: as for demand.risk_memory",
    "demand.load_sigma": "judgement: order sizes vary by a factor of about 1.5 either way; loads split into "
                         "many smaller ones under pressure (Dutch and Belgian customs 2024 port figures)",
    "demand.entry_check_days": "judgement: would-be traffickers weigh entry about monthly",
    "demand.entry_sensitivity": "judgement: new organisations enter where margins are high (issue 8, item 1); "
                                "no published rate",
    "demand.entry_threshold": "judgement: entry barriers of violence, trust and supply contacts",
    "demand.max_organisations": "judgement: a numerical cap, not a behaviour",
    # shipments
    "shipments.value_drugs": "judgement: a load is worth 30 officer-years (0.6 M against costs.officer_salary "
                             "0.02 M); cocaine rises from about US$1,500/kg at source to US$20-35k/kg US "
                             "wholesale (UNODC price data, as reported by The Economist 2022)",
    "shipments.value_weapons": "judgement: half a drug load; illicit arms prices are usually well above licit "
                               "ones (UNODC 2020, Global Study on Firearms Trafficking, ch. 3)",
    "shipments.purchase_share": "judgement; note that a x10-25 mark-up from source to destination wholesale "
                                "(UNODC price data via The Economist 2022) implies 0.05-0.15 if the load is "
                                "bought at source",
    "shipments.fee_per_person": "UNODC (2018), Global Study on Smuggling of Migrants: about US$2,200-2,800 per "
                                "smuggled migrant on average, US$1,000-15,000 by route; in model money half an "
                                "officer-year, of the order of origin-country incomes (judgement)",
    "shipments.persons_per_shipment": "judgement: a vehicle-load group; no published figure",
    "shipments.victim_share": "judgement: no published share of trafficking victims among persons moved by "
                              "smugglers on a corridor; one half is a neutral choice",
    "shipments.detectability_drugs": "judgement: chance an inspection finds a concealed load; no published "
                                     "figure",
    "shipments.detectability_people": "judgement: as for shipments.detectability_drugs",
    "shipments.detectability_weapons": "judgement: as for shipments.detectability_drugs",
    "shipments.transport_cost_per_day": "judgement: a small cost per day of travel next to a load's value",
    "shipments.forger_fee": "judgement: half an officer-year for a set of papers; no published figure",
    "shipments.forgery_effect": "judgement: forged papers pass most document checks; no published figure",
    "shipments.front_company_fee": "judgement: a year of an officer's pay; no published figure",
    "shipments.front_company_effect": "judgement: legitimate-looking consignments are rarely selected by risk "
                                      "profiling (a clean trader's declarations); once opened, concealment, not "
                                      "the consignor, decides whether the load is found; no published figure",
    "shipments.broker_fee": "judgement: half an officer-year to arrange a corrupt contact; no published figure",
    "shipments.courier_arrest_post": "judgement: about 1 at land posts with a driver; large port seizures often "
                                     "bring no arrest (Irish Times 2014, Rotterdam)",
    "shipments.courier_arrest_trail": "judgement: couriers on foot flee or abandon the load; no published figure",
    # border
    "border.platoons_per_day": "judgement: legitimate traffic arrives in bunches; this sets their number, "
                               "not the traffic",
    "border.clearance_minutes": "judgement: a primary document check; border compliance takes hours to days "
                                "per consignment (World Bank 2020, Doing Business: Trading Across Borders)",
    "border.inspection_minutes": "judgement: a secondary inspection of a vehicle",
    "border.max_queue_hours": "judgement: a day's wait; vehicles beyond it are not admitted",
    "border.shipment_inspection_hours": "judgement: a thorough inspection of a smuggling vehicle",
    "border.targeting_concentration": "judgement: targeted selection hits about 3-10x as often as random (WCO "
                                      "Customs Risk Management Compendium; Laporte 2011, World Customs Journal "
                                      "5(1); both unverified); US Customs' selectivity system, GAO (1989)",
    "border.target_weight_org": "judgement: weights of customs' risk indicators (trader, profile, route) sum "
                                "to one; no published weights. A named trader or carrier known from seizures "
                                "and leads weighs most (customs' known-offender lists), a profile (kind of "
                                "load, origin) least, since it matches much honest trade too",
    "border.target_weight_profile": "judgement: as for border.target_weight_org",
    "border.target_weight_route": "judgement: as for border.target_weight_org",
    "border.profile_traffic_share": "judgement: a risk profile covers a sizeable slice of honest traffic, so "
                                    "targeting by profile alone is costly",
    "border.selection_memory_days": "judgement: a week; keeps the number inspected at the budget",
    "border.patrol_encounter_prob": "judgement: patrols meet a minority of trail crossings; no published figure",
    "border.max_encounter_prob": "judgement: no patrol meets every crossing",
    "border.trail_sighting_prob": "judgement: no published figure",
    "border.patrol_weight_floor": "judgement: patrols keep some presence on quiet trails",
    "border.patrol_reallocation_days": "judgement: weekly re-deployment",
    "border.spot_bribe_prob": "judgement: about a quarter of people in contact with police pay a bribe in "
                              "weak-governance regions (Transparency International 2019, Global Corruption "
                              "Barometer Latin America & the Caribbean: 24%); a caught courier offers one "
                              "more often",
    # officers
    "officers.customs_per_post": "judgement: one shift of a small land post; a scale model of the officers "
                                 "working on this trafficking, not whole forces",
    "officers.border_guards_per_post": "judgement: as for officers.customs_per_post",
    "officers.border_guards_per_trail": "judgement: as for officers.customs_per_post",
    "officers.police_per_country": "judgement: as for officers.customs_per_post",
    "officers.police_team_size": "judgement: a small arrest team",
    "officers.analysts_per_country": "judgement: as for officers.customs_per_post",
    "officers.fiu_per_country": "judgement: as for officers.customs_per_post",
    "officers.initial_corrupt_share": "Transparency International (2019), Global Corruption Barometer Latin "
                                      "America & the Caribbean: 24% of police users paid a bribe; TI (2020), "
                                      "GCB Asia: 23%; taken as a guide to the share of officers ready to take "
                                      "one (judgement)",
    "officers.corruption_base": "calibrated: with the other weights, to a stationary corrupt share near 20% "
                                "(TI 2019, Global Corruption Barometer Latin America & the Caribbean: 24%)",
    "officers.peer_weight": "calibrated: as for officers.corruption_base",
    "officers.bribe_weight": "calibrated: as for officers.corruption_base",
    "officers.oversight_weight": "calibrated: corruption falls by about half in a year under strong oversight, "
                                 "not in weeks (issue 8, item 4)",
    "officers.pay_weight": "judgement: higher pay lowers need and raises what is lost if caught",
    "officers.whistleblower_weight": "judgement: fear of being reported deters",
    "officers.cultivate_post_share": "judgement: half at posts, half police",
    "officers.retainer_bribes": "judgement: a standing contact is paid a few bribes' worth",
    "officers.contact_on_duty_prob": "judgement: shifts and rotation; no published figure",
    "officers.peer_recruitment_prob": "calibrated: as for officers.corruption_base",
    "officers.case_lead_prob": "judgement: a corruption case often exposes the go-between",
    "officers.integrity_sd": "judgement: officers differ in integrity; no published spread",
    # investigation
    "investigation.analysis_days": "judgement: days to analyse a lead",
    "investigation.operation_days": "judgement: days to plan an arrest",
    "investigation.domestic_request_days": "judgement: a domestic request between agencies takes one to two "
                                           "weeks",
    "investigation.cross_border_request_days": "judgement: between the EU police channel (non-urgent requests "
                                               "within 7-14 days, Council Framework Decision 2006/960/JHA) and "
                                               "the European Investigation Order (30 days to recognise, 90 to "
                                               "execute, Directive 2014/41/EU Art. 12); formal mutual legal "
                                               "assistance takes months",
    "investigation.fused_sharing_days": "judgement: within a day in a fused centre; urgent EU police requests "
                                        "are answered within 8 hours (Council Framework Decision 2006/960/JHA)",
    "investigation.lead_loss_when_siloed": "judgement: no published rate",
    "investigation.domestic_loss_factor": "judgement: less is lost within one country",
    "investigation.arrest_prob": "judgement: most developed leads end in an arrest",
    "investigation.arrest_quality_weight": "judgement: better leads arrest more often",
    "investigation.talk_prob": "judgement: no published rate",
    "investigation.develop_prob": "judgement: no published rate",
    "investigation.tip_lead_prob": "judgement: most tips are too vague to act on",
    "investigation.seizure_facilitator_lead_prob": "judgement: no published rate",
    "investigation.leak_weight": "judgement: corrupt police leak operations",
    "investigation.quality_seizure": "judgement: physical evidence is the strongest",
    "investigation.quality_talk": "judgement: an accomplice's word below physical evidence",
    "investigation.quality_tip": "judgement: the weakest source",
    "investigation.quality_financial": "judgement: records are strong evidence",
    "investigation.quality_corruption": "judgement: between a tip and a seizure",
    "investigation.quality_victim": "judgement: a victim's account is strong evidence when given",
    "investigation.picture_belief_half": "judgement: one recent seizure makes a target likely",
    "investigation.picture_weight_sighting": "judgement: a sighting shows where, not who",
    "investigation.picture_route_prob": "judgement: no published rate",
    "investigation.informant_crossings": "judgement: what a member recalls of recent trips",
    # justice
    "justice.trial_delay_sigma": "judgement: 90% of trials end within 0.6-1.6 times the median; complex "
                                 "cross-border cases can take far longer",
    "justice.conviction_base": "calibrated: with justice.evidence_weight, so that a seizure case convicts about "
                               "three in four; no published rate",
    "justice.evidence_weight": "calibrated: as for justice.conviction_base",
    "justice.testimony_protection_gain": "judgement: protection gives victims the safety to testify; Council "
                                         "of Europe Convention on Action against Trafficking (2005), Art. 13 "
                                         "recovery and reflection period",
    "justice.cross_border_evidence_loss": "judgement: evidence from abroad often arrives late or inadmissible; "
                                          "formal mutual legal assistance takes many months",
    # finance
    "finance.min_tranche": "judgement: a numerical lower bound on laundering transactions",
    "finance.working_capital": "judgement: about a month of outlays at the default tempo",
    "finance.knowledge_launderer": "judgement: who knows where the money is",
    "finance.knowledge_leader": "judgement: as for finance.knowledge_launderer",
    "finance.knowledge_lieutenant": "judgement: as for finance.knowledge_launderer",
    "finance.knowledge_street": "judgement: as for finance.knowledge_launderer",
    # community
    "community.population_scale": "judgement: a multiplier for experiments; 1 is the corridor as given",
    "community.vulnerability_mean": "judgement: no published scale; vulnerability is relative",
    "community.awareness_mean": "judgement: low awareness of trafficking risks; no published scale",
    "community.observers_per_event": "judgement: a few dozen neighbours see an arrest or seizure",
    "community.reference_population": "judgement: the size of a default locality (corridor."
                                      "residents_per_locality 5000)",
    "community.tip_base": "judgement: no published rate",
    "community.tip_trust_floor": "judgement: some report even with little trust",
    "community.tip_awareness_floor": "judgement: as for community.tip_trust_floor",
    "community.tip_line_gain": "judgement: a tip line makes reporting easier",
    "community.trust_gain_enforcement": "calibrated: trust stays near community.trust_mean at the baseline's "
                                        "enforcement and corruption",
    "community.trust_loss_corruption": "calibrated: as for community.trust_gain_enforcement",
    "community.trust_gain_engagement": "judgement: trust grows over a year or two under community policing",
    "community.trust_gain_victim_support": "judgement: visible support to victims builds trust",
    "community.trust_reversion": "judgement: trust changes over about a year",
    "community.trust_reference_enforcement": "calibrated: to the baseline corridor (see note)",
    "community.trust_reference_corruption": "calibrated: to the baseline corridor (see note)",
    "community.trust_reference_engagement": "calibrated: to the baseline policy",
    "community.seen_cap": "judgement: one day's news weighs only so much",
    "community.seen_per_bribe": "judgement: bribes are seen less than arrests",
    "community.seen_per_corruption_case": "judgement: a dismissal is news",
    "community.awareness_gain_engagement": "judgement: awareness builds over years under engagement",
    "community.prevention_rate": "judgement; prevention effects are modest and build over years to decades "
                                 "(Calderoni et al. 2022, J. Quantitative Criminology 38, PROTON-OC ABM), "
                                 "slower than this rate",
    "community.vulnerability_floor": "judgement: no one is wholly safe",
    "community.recruit_threshold": "judgement: only the vulnerable are approached",
    "community.acceptance_awareness_weight": "judgement: awareness halves acceptance at most",
    "community.victim_selection_awareness_weight": "judgement: awareness protects",
    "community.shelter_recovery_factor": "judgement: shelter reduces vulnerability",
    "community.exploitation_vulnerability_gain": "judgement: exploitation leaves people more vulnerable",
    # victims
    "victims.shelter_capacity_per_country": "judgement: a small national shelter system",
    "victims.shelter_capacity_floor": "judgement: a little capacity exists without policy",
    "victims.shelter_capacity_gain": "judgement: policy can more than double capacity",
    "victims.referral_base": "judgement: without policy most identified victims are not referred",
    "victims.referral_gain": "judgement: with policy nearly all are",
    "victims.protection_days": "judgement: about six months of support, well beyond the 30-day minimum "
                               "recovery and reflection period of the Council of Europe Convention on Action "
                               "against Trafficking in Human Beings (2005), Art. 13",
    "victims.exploitation_days": "judgement: a year of exploitation; no published mean",
    "victims.reexploitation_weight": "judgement: people trafficked before are likelier to be again",
    "victims.screening_gain": "judgement: training and non-punishment raise identification; no published "
                              "rate",
    "victims.lead_prob_sheltered": "judgement: no published rate",
    "victims.lead_prob_unsheltered": "judgement: as for victims.lead_prob_sheltered",
    "victims.witness_days": "judgement: trials come a year or two after identification",
    # facilitators
    "facilitators.per_kind": "judgement: a few of each kind per country",
    "facilitators.entry_prob": "judgement: a vacancy refills in about 20 days",
    # costs
    "costs.intel_sharing": _lever_cost("costs.intel_sharing"),
    "costs.joint_task_force": _lever_cost("costs.joint_task_force"),
    "costs.inspection_per_1000": "judgement: about an officer's daily pay per vehicle inspected (staff time, "
                                 "scanners, facilities)",
    "costs.focus_per_post": _lever_cost("costs.focus_per_post"),
    "costs.intelligence_led_patrols": _lever_cost("costs.intelligence_led_patrols"),
    "costs.financial_controls": _lever_cost("costs.financial_controls"),
    "costs.oversight": _lever_cost("costs.oversight"),
    "costs.officer_salary": "judgement: sets the scale of model money (1 M = 50 officer-years)",
    "costs.whistleblower_protection": _lever_cost("costs.whistleblower_protection"),
    "costs.community_engagement": _lever_cost("costs.community_engagement"),
    "costs.victim_protection": _lever_cost("costs.victim_protection"),
    "costs.prevention": _lever_cost("costs.prevention"),
    "costs.risk_targeting": "judgement: staff and systems as stated; no published cost",
}
