"""The words the patient calendar writes, in English and Chinese.

Every word the HTML exporter itself writes comes from here: headings, day states, frequencies,
routes, fixed texts and the wording of dose decisions. Texts from a regimen file (instructions,
the missed-dose rule, when to call, the drug name) are the file's: in Chinese the file's
``*_zh`` text is used when given, otherwise the English text with a visible note that no
translation is given - never silently.

Safe notation (ISMP) throughout: words, not symbols (no ``<=``, ``->``), units as SI symbols
(``12 mg``, ``400 cGy``; standard in Chinese clinical text as well), frequencies written out.
"""

from __future__ import annotations

import calendar as pycal
import re
from collections.abc import Sequence

import attrs

from regimen.drugs import DrugCourse, day_runs
from regimen.modification import DecisionKind
from regimen.sources import SourceKind

LANGUAGES = ("en", "zh")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Treatment calendar",
        "legend": "Legend",
        "rt": "Radiotherapy",
        "dose": "Take your dose",
        "held": "HELD: do not take",
        "held_named": "HELD, do not take",
        "on_hold": "on hold",
        "waiting": "On hold: the next cycle waits for your doctor's go-ahead",
        "stopped": "Stopped on {date}: do not take",
        "rest": "Rest day (no dose)",
        "rest_named": "rest day",
        "change": "Dose changed",
        "instructions": "Instructions",
        "missed": "If you miss a dose",
        "call": "When to call the clinic",
        "sources": "Sources",
        "notes": "Notes",
        "warnings": "Warnings",
        "cycle_day": "C{cycle} D{day}",
        "fraction": "RT {n} of {total}",
        "start": "Start",
        "decisions": "Dose changes",
        "month_fmt": "{month} {year}",
        # instructions
        "cycle_length": "{n}-day cycles",
        "cycle_one": "Cycle {n}",
        "cycle_range": "Cycles {a} to {b}",
        "dose_run": "{dose} {frequency}, {days}",
        "infusion_run": "{dose} per {noun}, {days}",
        "infusion_one": "as one intravenous {noun} on {days} of each {n}-day cycle",
        "infusion_many": "as one intravenous {noun} a day on {days} of each {n}-day cycle",
        "infusion": "infusion",
        "injection": "injection",
        "basis": "How the dose was worked out",
        "held_run": "on hold, do not take: {days}",
        "moved": "day 1 moved from {planned} to {actual}",
        "stopped_line": "Stopped on {date}: do not take any more.",
        "waiting_line": "Cycle {n} (planned day 1 {date}): waits for your doctor's go-ahead.",
        "day_one": "day {d}",
        "day_many": "days {d}",
        "day_range": "{a} to {b}",
        "list_sep": ", ",
        "list_last": " and ",
        "fractions_of": "{n} fractions of {dose}",
        "phase": "Phase {n}",
        "item_sep": ", ",
        "part_sep": "; ",
        "colon": ": ",
        "end": ".",
        # decisions
        "grade": "{term} grade {grade}",
        "source": " (source {n}: {title})",
        "source_plain": " (source: {title})",
        "note": "Note: {note}",
        "review": "Needs clinician review.",
        "not_translated": "",
        "english_only": "",
    },
    "zh": {
        "title": "治疗日历",
        "legend": "图例",
        "rt": "放疗",
        "dose": "按时服药",
        "held": "暂停：今天不服药",
        "held_named": "暂停，今天不服药",
        "on_hold": "暂停中",
        "waiting": "暂停中：下一周期等待医生确认后开始",
        "stopped": "已于{date}停药：不要服用",
        "rest": "休息日（不服药）",
        "rest_named": "休息日",
        "change": "剂量已调整",
        "instructions": "用药说明",
        "missed": "漏服怎么办",
        "call": "何时联系医院",
        "sources": "参考文献",
        "notes": "说明",
        "warnings": "警示",
        "cycle_day": "第{cycle}周期 第{day}天",
        "fraction": "放疗 第{n}次（共{total}次）",
        "start": "开始",
        "decisions": "剂量调整",
        "month_fmt": "{year}年{month}",
        "cycle_length": "每{n}天为一个周期",
        "cycle_one": "第{n}周期",
        "cycle_range": "第{a}至{b}周期",
        "dose_run": "{dose}，{frequency}，{days}",
        "infusion_run": "每次{dose}，{days}",
        "infusion_one": "每{n}天为一个周期，每周期{days}静脉{noun}一次",
        "infusion_many": "每{n}天为一个周期，每周期{days}各静脉{noun}一次",
        "infusion": "输注",
        "injection": "注射",
        "basis": "剂量计算依据",
        "held_run": "暂停，不要服用：{days}",
        "moved": "第1天由{planned}推迟至{actual}",
        "stopped_line": "已于{date}停药：不要再服用。",
        "waiting_line": "第{n}周期（原定第1天为{date}）：等待医生确认后开始。",
        "day_one": "第{d}天",
        "day_many": "第{d}天",
        "day_range": "{a}至{b}",
        "list_sep": "、",
        "list_last": "、",
        "fractions_of": "{dose}，共{n}次",
        "phase": "第{n}阶段",
        "item_sep": "，",
        "part_sep": "；",
        "colon": "：",
        "end": "。",
        "grade": "{term} {grade}级",
        "source": "（依据：参考文献第{n}条，{kind}）",
        "source_plain": "（依据：{title}）",
        "note": "备注：{note}",
        "review": "需要医生复核。",
        "not_translated": "（本方案文件未提供中文译文）",
        "english_only": "（仅有英文原文）",
    },
}

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": tuple(pycal.month_name[1:]),
    "zh": tuple(f"{m}月" for m in range(1, 13)),
}

#: Every frequency of :data:`regimen.drugs.FREQUENCIES`, in Chinese (``once every N days`` is
#: handled by :meth:`Words.frequency`).
FREQUENCY_ZH: dict[str, str] = {
    "once daily": "每日一次",
    "twice daily": "每日两次",
    "three times daily": "每日三次",
    "four times daily": "每日四次",
    "every other day": "隔日一次",
}

_ONCE_EVERY = re.compile(r"^once every ([0-9]{1,3}) days$")

ROUTE_ZH: dict[str, str] = {
    "oral": "口服",
    "intravenous": "静脉",
    "subcutaneous": "皮下注射",
    "intramuscular": "肌内注射",
}

SOURCE_KIND: dict[str, dict[SourceKind, str]] = {
    "en": {k: k.value for k in SourceKind},
    "zh": {
        SourceKind.PAPER: "文献",
        SourceKind.LABEL: "药品说明书",
        SourceKind.CONSENSUS: "专家共识",
        SourceKind.PROTOCOL: "研究方案",
        SourceKind.LOCAL: "本院规定",
    },
}

#: What a dose decision means for the patient. ``{before}``/``{after}``: the doses; ``{cycle}``,
#: ``{planned}``, ``{date}``: a moved day 1. ``resume_changed`` is a resumption at another dose.
DECISION: dict[str, dict[str, str]] = {
    "en": {
        DecisionKind.CONTINUE.value: "no change, {after}",
        DecisionKind.CONTINUE_HOLD.value: "still on hold",
        DecisionKind.HOLD.value: "on hold from this day: do not take",
        DecisionKind.RESUME.value: "treatment goes ahead at {after}",
        "resume_changed": "treatment goes ahead; dose changed from {before} to {after}",
        DecisionKind.REDUCE.value: "dose changed from {before} to {after}",
        DecisionKind.DISCONTINUE.value: "stopped: do not take any more",
        DecisionKind.DELAY.value: "cycle {cycle} day 1 moved from {planned} to {date}",
        DecisionKind.WAITING.value: "the next cycle waits for your doctor's go-ahead",
        DecisionKind.NO_RULE.value: "no rule covers this: dose unchanged",
        DecisionKind.NO_EFFECT.value: "no effect on the plan",
        DecisionKind.RECORDED.value: "recorded; radiotherapy is not changed automatically",
        DecisionKind.LAB_FULL.value: "blood test results allow the full dose, {after}",
        DecisionKind.LAB_REDUCED.value: "blood test results: {after} on this day only",
        DecisionKind.LAB_HOLD.value: "blood test results: no dose on this day",
        DecisionKind.LAB_DELAY.value: "blood test results: the cycle waits for a later test",
        DecisionKind.LAB_WAITING.value: "the next cycle waits for your blood counts to recover",
        DecisionKind.LAB_DISCONTINUE.value: "blood test results: stopped, do not take any more",
        DecisionKind.LAB_NO_RESULT.value: "no blood test result for this day: your care team "
        "checks the dose",
    },
    "zh": {
        DecisionKind.CONTINUE.value: "剂量不变，{after}",
        DecisionKind.CONTINUE_HOLD.value: "继续暂停",
        DecisionKind.HOLD.value: "当天起暂停：不要服用",
        DecisionKind.RESUME.value: "继续治疗，剂量{after}",
        "resume_changed": "继续治疗，剂量由{before}调整为{after}",
        DecisionKind.REDUCE.value: "剂量由{before}调整为{after}",
        DecisionKind.DISCONTINUE.value: "停药：不要再服用",
        DecisionKind.DELAY.value: "第{cycle}周期第1天由{planned}推迟至{date}",
        DecisionKind.WAITING.value: "下一周期等待医生确认后开始",
        DecisionKind.NO_RULE.value: "没有适用的规则：剂量不变",
        DecisionKind.NO_EFFECT.value: "对治疗计划没有影响",
        DecisionKind.RECORDED.value: "已记录；放疗不会自动调整",
        DecisionKind.LAB_FULL.value: "化验结果允许全剂量，{after}",
        DecisionKind.LAB_REDUCED.value: "根据化验结果，仅当天剂量为{after}",
        DecisionKind.LAB_HOLD.value: "根据化验结果，当天不用药",
        DecisionKind.LAB_DELAY.value: "根据化验结果，本周期推迟，等待复查",
        DecisionKind.LAB_WAITING.value: "下一周期等待血细胞计数恢复后开始",
        DecisionKind.LAB_DISCONTINUE.value: "根据化验结果停药：不要再服用",
        DecisionKind.LAB_NO_RESULT.value: "当天没有化验结果：由医护人员核对剂量",
    },
}

#: The notes the calendar engine writes (``Plan.notes``), as patterns, with their Chinese.
_NOTES_ZH: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^(?P<course>[\w-]+): open-ended \(until progression or unacceptable toxicity\); "
            r"(?P<n>\d+) cycles laid out by default, use --cycles N for another horizon$"
        ),
        "{course}：疗程不固定（直至疾病进展或出现不可耐受的毒性）；本日历默认列出{n}个周期"
        "（可用 --cycles N 指定周期数）",
    ),
    (
        re.compile(
            r"^(?P<course>[\w-]+): the AE log runs to (?P<date>[0-9-]+): (?P<laid>\d+) cycles "
            r"laid out instead of (?P<n>\d+)$"
        ),
        "{course}：不良事件记录延续到{date}：本日历列出{laid}个周期，而非{n}个",
    ),
    (
        re.compile(r"^--cycles (?P<n>\d+) has no effect: (?P<course>[\w-]+) has no drug course$"),
        "--cycles {n} 无效：{course} 方案中没有药物疗程",
    ),
)


def infusion_noun(course: DrugCourse) -> str | None:
    """``"infusion"`` or ``"injection"`` for an intravenous course given once on each of its
    dosing days (``once daily``, ``once every N days``); None for any other course.

    Only the words change: the regimen file still says ``intravenous`` and its frequency."""
    schedule = course.schedule
    if course.route.strip().lower() != "intravenous":
        return None
    if schedule.doses_per_day != 1 or schedule.every != 1:
        return None
    return "injection" if "injection" in course.instruction.lower() else "infusion"


@attrs.frozen
class Words:
    """The words of one language."""

    lang: str = attrs.field()

    @lang.validator
    def _known(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in LANGUAGES:
            raise ValueError(f"unknown language {value!r} (use {', '.join(LANGUAGES)})")

    def __call__(self, key: str, **fields: object) -> str:
        """The text ``key``, its ``{fields}`` filled in."""
        return TEXT[self.lang][key].format(**fields)

    @property
    def weekdays(self) -> tuple[str, ...]:
        """Monday first."""
        return WEEKDAYS[self.lang]

    def month(self, month: int, year: int) -> str:
        """``May 2022`` / ``2022年5月``."""
        return self("month_fmt", month=MONTHS[self.lang][month - 1], year=year)

    def given(self, english: str, chinese: str) -> str:
        """A regimen file's text: its Chinese when given, else its English with a note."""
        if self.lang == "en":
            return english
        if chinese:
            return chinese
        return english + self("not_translated")

    def drug(self, course: DrugCourse) -> str:
        """The drug's name: the file's Chinese name when given, else the file's name."""
        if self.lang == "zh" and course.drug_zh:
            return course.drug_zh
        return course.drug.capitalize()

    def frequency(self, text: str) -> str:
        """A frequency of :data:`regimen.drugs.FREQUENCIES` (or ``once every N days``)."""
        if self.lang == "en":
            return text
        if text in FREQUENCY_ZH:
            return FREQUENCY_ZH[text]
        m = _ONCE_EVERY.match(text)
        if m is not None:
            return f"每{m.group(1)}天一次"
        return text + self("english_only")  # pragma: no cover - every frequency is listed

    def infusion(self, course: DrugCourse) -> str | None:
        """How an intravenous course given once on each of its dosing days is given, in words:
        ``as one intravenous infusion on day 8 of each 21-day cycle`` (``... a day on days 1
        and 8 ...`` for several days); None for any other course, whose route and frequency
        are shown as the file writes them.

        "once daily" or "once every 21 days" is exact but reads oddly for a drug given in the
        day unit on one day of a cycle. The noun is "injection" when the course's own
        instruction says injection (a bolus), else "infusion"."""
        noun = infusion_noun(course)
        if noun is None:
            return None
        key = "infusion_one" if len(course.dosing_days) == 1 else "infusion_many"
        return self(key, noun=self(noun), days=self.days(course.dosing_days), n=course.cycle_length)

    def dose_run(self, course: DrugCourse, dose: str, days: Sequence[int]) -> str:
        """A run of dosing days at one dose: ``10 mg once daily, days 1 to 14``, or for an
        intravenous course given once a dosing day ``1636.3 mg per infusion, days 1 and 8``."""
        noun = infusion_noun(course)
        if noun is not None:
            return self("infusion_run", dose=dose, noun=self(noun), days=self.days(days))
        frequency = self.frequency(course.frequency)
        return self("dose_run", dose=dose, frequency=frequency, days=self.days(days))

    def route(self, text: str) -> str:
        """A route of administration (``oral``, ``intravenous``...)."""
        if self.lang == "en":
            return text
        return ROUTE_ZH.get(text.lower(), text + self("english_only"))

    def source_kind(self, kind: SourceKind) -> str:
        """``paper``, ``label``... / 文献, 药品说明书..."""
        return SOURCE_KIND[self.lang][kind]

    def days(self, days: Sequence[int]) -> str:
        """Days of a cycle in words: ``days 1 to 3, 8 and 15`` / ``第1至3、8、15天``."""
        runs = [
            self("day_range", a=a, b=b) if b > a else str(a) for a, b in day_runs(days)
        ]
        if len(runs) == 1:
            joined = runs[0]
        else:
            joined = self("list_sep").join(runs[:-1]) + self("list_last") + runs[-1]
        key = "day_one" if len(days) == 1 else "day_many"
        return self(key, d=joined)

    def decision(self, kind: DecisionKind | str, **fields: object) -> str:
        """What a dose decision means, in words."""
        key = kind.value if isinstance(kind, DecisionKind) else kind
        return DECISION[self.lang][key].format(**fields)

    def note(self, text: str, course_names: dict[str, str], file_notes: set[str]) -> str:
        """One of the plan's notes: the engine's notes translated, a regimen file's text with
        the note that no translation is given."""
        if self.lang == "en":
            return text
        for pattern, chinese in _NOTES_ZH:
            m = pattern.match(text)
            if m is not None:
                fields = m.groupdict()
                fields["course"] = course_names.get(fields["course"], fields["course"])
                return chinese.format(**fields)
        course, sep, rest = text.partition(": ")
        if sep and rest in file_notes:
            name = course_names.get(course, course)
            return f"{name}{self('colon')}{rest}{self('not_translated')}"
        return text + self("english_only")
