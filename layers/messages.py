"""Texts of the map pages that are not in a layer spec: the browser's own
strings (``pm.t`` in peacemap.js and worklist.js, sent to the page in its
language) and the labels of vocabulary codes (legends, popups, the
worklist), each an English msgid (:mod:`geo.i18n`)."""

from __future__ import annotations

from geo.i18n import N_, Translator

# Every text peacemap.js, worklist.js and qip_plot.js show, by msgid; ``{name}`` placeholders are filled in the browser.
JS = (
    N_("The key was refused. Enter a valid API key:"),
    N_("This server needs an API key to show data. Enter your key:"),
    N_("API key"),
    N_("Use key"),
    N_("yes"),
    N_("no"),
    N_("{n} in this cell"),
    N_("{deaths} deaths in this cell; the deadliest incident killed {max}."),
    N_("Zoom in to see each incident."),
    N_("{n} in view"),
    N_("{n} in view, counted in {cells} cells — zoom in to see each"),
    N_("{n} in view, every one drawn"),
    N_("{shown} of {matched} shown — zoom in for all"),
    N_("{n} shown"),
    N_("analysis warming up after a start — shown when ready"),
    N_("server busy — retrying in {s} s"),
    N_("could not load: {error}"),
    N_("From"),
    N_("to"),
    N_("Show"),
    N_("Language"),
    # the worklist (worklist.js)
    N_("Worklist"),
    N_("Under-engaged communities in view"),
    N_("Show or hide the worklist"),
    N_("Admin area"),
    N_("any"),
    N_("Minimum pressure (share of the highest)"),
    N_("Constituency not reached"),
    N_("No constituency heard"),
    N_("Never engaged only"),
    N_("Download CSV"),
    N_("Rank"),
    N_("Name"),
    N_("Score"),
    N_("Days since engagement"),
    N_("Travel hours"),
    N_("Constituencies not heard"),
    N_("Why"),
    N_("never"),
    N_("Show reasons"),
    N_("Area brief"),
    N_("{n} of {matched} under-engaged communities"),
    N_("No under-engaged community in view."),
    N_("Loading…"),
    N_("sorted ascending"),
    N_("sorted descending"),
    # the QIP plotter (qip_plot.js)
    N_("QIPs"),
    N_("Within {km} km"),
    N_("incidents"),
    N_("local agreements"),
    N_("engagements"),
    N_("{n} {what}"),
    N_("{n} {what} ({start} to {end})"),
    N_("Warning: one other QIP lies within {km} km: {list}"),
    N_("Warning: {n} other QIPs lie within {km} km: {list}"),
    N_("no gap score"),
    N_("gap score {score}"),
    N_("gap score {score} (rank {rank})"),
    N_("no community within {km} km"),
    N_("NEW"),
    N_("enter a latitude between -90 and 90 and a longitude between -180 and 180"),
    N_("place the project on the map first"),
    N_("an editor key is needed to save"),
    N_("Saved QIP #{id}"),
    N_("see it on the map"),
    N_("this key may not save QIPs"),
    N_("invalid value"),
    N_("could not reach the server: {error}"),
    N_("Suggested sites"),
    N_("could not load the mission sites: {error}"),
    N_("QIP at {name}"),
    N_("looking…"),
    N_(
        "{n} communities within {hours} h of {office} in the {season} season; "
        "{qips} of them have an active QIP within 5 km."
    ),
    N_("no community to suggest: try a longer trip"),
    N_("Use this site"),
    # an agreement's popup (peacemap.js, pm.details["agreement-strain"])
    N_("Incidents a month"),
    N_("Deaths a month"),
    N_("{before} before → {after} after"),
    N_("Rate ratio (95 %)"),
    N_("Incidents involving a party"),
    N_("{n} after signing"),
    N_("{month}: {before} before, {after} after signing"),
    N_("Incidents per month"),
    N_("Grey: before signing; red: after."),
)

# Vocabulary codes as read (geo/vocab.py; tests/layers check every code has one).
VOCABULARY = {
    "village": N_("village"),
    "town": N_("town"),
    "idp_site": N_("IDP site"),
    "poc_site": N_("PoC site"),
    "hq": N_("headquarters"),
    "field_office": N_("field office"),
    "cob": N_("company operating base"),
    "tob": N_("temporary operating base"),
    "team_site": N_("team site"),
    "unpol_post": N_("UNPOL post"),
    "battle": N_("battle"),
    "violence_against_civilians": N_("violence against civilians"),
    "explosion_remote_violence": N_("explosion remote violence"),
    "riot": N_("riot"),
    "protest": N_("protest"),
    "strategic_development": N_("strategic development"),
    "intercommunal_clash": N_("intercommunal clash"),
    "cattle_raid": N_("cattle raid"),
    "abduction": N_("abduction"),
    "other": N_("other"),
    "in_force": N_("in force"),
    "violated": N_("violated"),
    "lapsed": N_("lapsed"),
    "superseded": N_("superseded"),
    "freedom_of_movement": N_("freedom of movement"),
    "cattle_taxation": N_("cattle taxation"),
    "transhumance": N_("transhumance"),
    "land": N_("land"),
    "revenue_sharing": N_("revenue sharing"),
    "disarmament": N_("disarmament"),
    "return_of_displaced": N_("return of displaced"),
    "justice": N_("justice"),
    "foot": N_("foot"),
    "vehicle": N_("vehicle"),
    "riverine": N_("riverine"),
    "air": N_("air"),
    "military": N_("military"),
    "police": N_("police"),
    "civilian": N_("civilian"),
    "joint": N_("joint"),
    "townhall": N_("townhall"),
    "cla_visit": N_("CLA visit"),
    "civil_affairs_meeting": N_("civil affairs meeting"),
    "joint_protection_team": N_("joint protection team"),
    "listening_session": N_("listening session"),
    "perception_survey": N_("perception survey"),
    "community_alert": N_("community alert"),
    "radio_callin": N_("radio call-in"),
    "women": N_("women"),
    "youth": N_("youth"),
    "displaced": N_("displaced"),
    "religious_leaders": N_("religious leaders"),
    "traditional_leaders": N_("traditional leaders"),
    "ethnolinguistic_groups": N_("ethnolinguistic groups"),
    "local_authorities": N_("local authorities"),
    "armed_group_representatives": N_("armed group representatives"),
    "water": N_("water"),
    "health": N_("health"),
    "education": N_("education"),
    "livelihoods": N_("livelihoods"),
    "infrastructure": N_("infrastructure"),
    "social_cohesion": N_("social cohesion"),
    "state_authority": N_("state authority"),
    "protection": N_("protection"),
    "proposed": N_("proposed"),
    "approved": N_("approved"),
    "in_progress": N_("in progress"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
    # reach: roads, water, crossings, rasters, seasons
    "motorway": N_("motorway"),
    "trunk": N_("trunk road"),
    "primary": N_("primary road"),
    "secondary": N_("secondary road"),
    "tertiary": N_("tertiary road"),
    "unclassified": N_("minor road"),
    "residential": N_("residential street"),
    "service": N_("service road"),
    "track": N_("track"),
    "path": N_("path"),
    "paved": N_("paved"),
    "gravel": N_("gravel"),
    "earth": N_("earth"),
    "river": N_("river"),
    "stream": N_("stream"),
    "canal": N_("canal"),
    "lake": N_("lake"),
    "reservoir": N_("reservoir"),
    "wetland": N_("wetland"),
    "bridge": N_("bridge"),
    "ferry": N_("ferry"),
    "ford": N_("ford"),
    "friction": N_("friction"),
    "population": N_("population"),
    "landcover": N_("land cover"),
    "minutes_per_metre": N_("minutes per metre"),
    "people_per_cell": N_("people per cell"),
    "people_per_km2": N_("people per km²"),
    "igbp_class": N_("IGBP land-cover class"),
    "dry": N_("dry"),
    "rainy": N_("rainy"),
    # politics: interlocutors' roles (as geo.vocab.ROLE_LABELS names them), genders, age bands, indicators
    "local_authority": N_("local authority"),
    "traditional_leader": N_("traditional leader"),
    "religious_leader": N_("religious leader"),
    "womens_association": N_("women's association"),
    "youth_group": N_("youth group"),
    "displaced_committee": N_("displaced persons' committee"),
    "armed_group_representative": N_("armed group representative"),
    "civil_society": N_("civil society"),
    "female": N_("female"),
    "male": N_("male"),
    "unknown": N_("unknown"),
    "under_18": N_("under 18"),
    "18_29": N_("18–29"),
    "30_44": N_("30–44"),
    "45_59": N_("45–59"),
    "60_plus": N_("60 and over"),
    "trust_in_mission": N_("trust in the mission"),
    "feeling_of_safety": N_("feeling of safety"),
    "knowledge_of_mandate": N_("knowledge of the mandate"),
    "satisfaction_with_protection": N_("satisfaction with protection"),
    "trust_in_local_authorities": N_("trust in local authorities"),
}


def vocabulary(tr: Translator) -> dict[str, str]:
    """Every vocabulary code's label in ``tr``'s language (for the browser).

    Parameters
    ----------
    tr : Translator

    Returns
    -------
    dict
    """
    return {code: tr.gettext(label) for code, label in VOCABULARY.items()}


def browser_messages(tr: Translator) -> dict:
    """What the page sends peacemap.js: its language, direction, texts and vocabulary labels.

    Parameters
    ----------
    tr : Translator

    Returns
    -------
    dict
    """
    return {"lang": tr.lang, "dir": tr.dir, "texts": tr.messages(JS), "vocab": vocabulary(tr)}
