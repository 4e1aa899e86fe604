"""Residents' committees, owners' bodies, companies, contracts and cross-appointments."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

from .. import names as N
from .base import (
    CONTRACTS,
    MEMBERSHIPS,
    NO,
    REFERENCE_DAY,
    YES,
    BuilderBase,
    Community,
    CompoundInfo,
    District,
    Person,
    Subdistrict,
    start_day,
    years_later,
)


class PartiesMixin(BuilderBase):
    def community(self, d: District, s: Subdistrict, c: Community) -> None:
        infos = [self.compound(d, s, c, f"{c.code}{i + 1:03d}", plan) for i, plan in enumerate(c.plans)]
        self._residents_committee(d, s, c, infos)
        for info in infos:
            self._owner_bodies(info)
        if self.chance(0.5):
            owners = [p for info in infos for p in info.owners[:50]]
            if len(owners) >= 3:
                code = self.org(f"ST-{c.code}-1", f"{c.name}{self.pick(N.ASSOCIATIONS)}", "群众性社团", region=c.code)
                chosen = self.rng.sample(owners, 3)
                self.member(code, chosen[0], "主任", party=self.chance(0.5))
                for p in chosen[1:]:
                    self.member(code, p, "委员", party=self.chance(0.3))

    def _residents_committee(self, d: District, s: Subdistrict, c: Community, infos: list[CompoundInfo]) -> None:
        rng = self.rng
        party_code = self.org(f"PARTY-{c.code}", f"中共{c.name}委员会", "党组织", region=c.code,
                              party_parent=f"PARTY-{s.code}")
        rc = self.org(f"JWH-{c.code}", f"{c.name}居民委员会", "居委会", region=c.code, party_parent=party_code)
        start = date(2026, rng.choice((3, 4, 5)), rng.randint(1, 28))
        end = years_later(start, 5) - timedelta(days=1)
        local = [(p, info) for info in infos for p in info.owners[:200]]
        self.rc_owner_members = rc_owners = []   # (person, compound) for cross-appointments

        def staff_or_local(force_local: bool = False, showcase_only: bool = False):
            pool = local
            if showcase_only:
                pool = [(p, i) for p, i in local if i.showcase]
            if pool and (force_local or rng.random() < 0.3):
                for _ in range(5):
                    p, info = pool[int(rng.random() * len(pool))]
                    if p[1] not in self.party:
                        rc_owners.append((p, info))
                        return p
            return self.people.staff()

        showcase_here = any(i.showcase for i in infos)
        secretary = staff_or_local(force_local=showcase_here, showcase_only=showcase_here)
        self.member(rc, secretary, "书记", party=True, start=start, end=end)
        self.member(party_code, secretary, "书记", start=start, end=end)
        party_members = [secretary]
        if self.chance(0.7):                           # 书记、主任“一肩挑”
            self.member(rc, secretary, "主任", start=start, end=end)
        else:
            chair = staff_or_local()
            if self.member(rc, chair, "主任", party=self.chance(0.8), start=start, end=end):
                party_members.append(chair)
        for position, count in (("副主任", rng.randint(1, 2)), ("委员", rng.randint(3, 5))):
            for _ in range(count):
                p = staff_or_local()
                if self.member(rc, p, position, party=self.chance(0.6), start=start, end=end):
                    party_members.append(p)
        for p in party_members[1:4]:
            self.member(party_code, p, "委员", start=start, end=end)
        homes = sum(i.residences for i in infos)
        for _ in range(min(12, max(2, round(homes / 450)))):
            hired = date(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28))
            self.member(rc, self.people.staff(), "网格员", party=self.chance(0.45), start=hired)
        self.rc_party_members[c.code] = party_members

    def _owner_bodies(self, info: CompoundInfo) -> None:
        """The owners' committee (about 60% of compounds) or, failing one, now and then an
        interim management committee or a preparatory group; a supervisory committee beside
        some owners' committees."""
        rng = self.rng
        p_committee = {"商品房": 0.78, "回迁安置": 0.6, "保障房": 0.5, "老旧小区": 0.5, "其他": 0.3}[info.kind]
        natural = info.owners
        if (info.showcase or (len(natural) >= 12 and self.chance(p_committee))) and self._owners_committee(info):
            if info.showcase or self.chance(0.12):
                self._supervisory_committee(info)
        elif len(natural) >= 12 and self.chance(0.12):
            kind, prefix, label = (("物业管理委员会", "WGW", "物业管理委员会") if self.chance(0.5)
                                   else ("筹备组", "CBZ", "业主大会筹备组"))
            code = self.org(f"{prefix}-{info.code}", f"{info.name}{label}", kind, compound=info.code)
            start = start_day(REFERENCE_DAY - timedelta(days=rng.randint(30, 400)))
            end = years_later(start, 1) if kind == "物业管理委员会" else None
            leaders = self.rc_party_members.get(info.community.code) or []
            if leaders:
                self.member(code, leaders[-1], "主任", start=start, end=end)
            for p in self._fresh_owners(info, rng.choice((4, 6))):
                self.member(code, p, "委员", party=self.chance(0.35), start=start, end=end)

    def _fresh_owners(self, info: CompoundInfo, n: int, exclude: set | None = None) -> list[Person]:
        """``n`` distinct owners of the compound who hold no other seat yet."""
        out: list[Person] = []
        seen = set(exclude or ())
        owners = info.owners
        tries = 0
        while len(out) < n and tries < 20 * n:
            tries += 1
            p = owners[int(self.rng.random() * len(owners))]
            if p[1] in seen or p[1] in self.party:
                continue
            seen.add(p[1])
            out.append(p)
        return out

    def _owners_committee(self, info: CompoundInfo) -> bool:
        rng = self.rng
        size = 5 if info.residences < 300 else rng.choice((5, 7)) if info.residences < 1000 else rng.choice((7, 9))
        if info.showcase:
            size = 7
        # Cross-appointments: a residents' committee member who owns a flat here sits on the
        # committee (the community secretary, in the showcase compound).
        cross = [p for p, i in self.rc_owner_members if i is info]
        if not info.showcase:
            cross = [p for p in cross if self.chance(0.6)]
        cross = cross[:2]
        members = self._fresh_owners(info, size - len(cross))
        if len(members) + len(cross) < 5 or not members:
            return False
        # The committee's party share: from a third to three quarters (Gongshu 50%, Zhenhai 64%).
        share = rng.choice((0.3, 0.45, 0.55, 0.65, 0.75)) if not info.showcase else 0.75
        expired = not info.showcase and self.chance(0.15)
        start, end = self.term(self.pick((3, 4, 5, 5, 5)), expired=expired)
        code = self.org(f"YWH-{info.code}", f"{info.name}业主委员会", "业委会", compound=info.code)
        info.committee, info.committee_term = code, (start, end)

        chair, rest = members[0], members[1:] + cross
        chair_party = self.member(code, chair, "主任", party=info.showcase or self.chance(0.6), start=start, end=end)
        party = [chair] if chair_party else []
        vices = 2 if len(rest) >= 8 else 1
        for i, p in enumerate(rest):
            if self.member(code, p, "副主任" if i < vices else "委员", party=self.chance(share), start=start, end=end):
                party.append(p)

        # Party coverage: its own branch when three or more members are in the party, else a
        # joint branch of the community, a dispatched instructor, or none yet.
        community = info.community.code
        community_party = f"PARTY-{community}"
        if len(party) >= 3 and (info.showcase or self.chance(0.75)):
            branch = self.org(f"PARTY-{info.code}", f"中共{info.name}业主委员会支部委员会", "党组织",
                              compound=info.code, party_parent=community_party)
            self.member(branch, party[0], "书记", start=start, end=end)
            for p in party[1:3]:
                self.member(branch, p, "委员", start=start, end=end)
            coverage, parent = "单独组建", branch
        else:
            r = rng.random()
            if r < 0.45:
                parent = self.joint_branches.get(community)
                if parent is None:
                    parent = self.org(f"PARTY-{community}-LH", f"中共{info.community.name}小区联合支部委员会", "党组织",
                                      region=community, party_parent=community_party)
                    self.joint_branches[community] = parent
                coverage = "联合组建"
            elif r < 0.8 and self.rc_party_members.get(community):
                coverage, parent = "派驻党建指导员", community_party
                instructor = self.pick(self.rc_party_members[community])
                self.member(code, instructor, "党建指导员", start=start, end=end)
            else:
                coverage, parent = "未覆盖", None
        self.org_rows[code].update({"党组织覆盖": coverage, "上级党组织编码": parent})
        return True

    def _supervisory_committee(self, info: CompoundInfo) -> None:
        code = self.org(f"JDW-{info.code}", f"{info.name}业主监督委员会", "业主监督委员会", compound=info.code)
        start, end = info.committee_term
        members = self._fresh_owners(info, 5 if info.showcase else self.pick((3, 3, 5)))
        for i, p in enumerate(members):
            self.member(code, p, "主任" if i == 0 else "委员", party=self.chance(0.4 if i else 0.7),
                        start=start, end=end)

    # -- companies and contracts ----------------------------------------------------------

    def companies(self, districts: list[District]) -> None:
        rng = self.rng
        served = [i for i in self.compounds if i.mode in ("市场化物业", "统一打包", "居委会+物业")]
        # One state-owned company per district takes the bundled old compounds (统一打包).
        soe: dict[str, str] = {}
        companies: list[tuple[str, str, str]] = []     # (code, name, district code)
        width = 5 if self.n_companies >= 10_000 else 4
        for d in districts:
            code = f"WY-{self.city_code}-{len(companies) + 1:0{width}d}"
            companies.append((code, f"{d.name}城发物业服务有限公司", d.code))
            soe[d.code] = code
        while len(companies) < max(self.n_companies, len(districts)):
            d = districts[len(companies) % len(districts)]
            city = "杭州" if self.chance(0.7) else "浙江"
            name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            while name in {c[1] for c in companies[-200:]}:
                name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            companies.append((f"WY-{self.city_code}-{len(companies) + 1:0{width}d}", name, d.code))
        private = [c for c in companies if c[0] not in soe.values()] or companies
        # Market share by rank (Zipf-like): a few large companies and a long tail; every
        # company first gets one compound so that none is an empty shell.
        weights = []
        t = 0.0
        for rank in range(len(private)):
            t += 1 / (rank + 1) ** 0.9
            weights.append(t)
        order = list(range(len(served)))
        rng.shuffle(order)
        assigned: dict[str, str] = {}
        for n, idx in enumerate(order):
            info = served[idx]
            if info.mode == "统一打包":
                assigned[info.code] = soe[info.district.code]
            elif n < len(private):
                assigned[info.code] = private[n][0]
            else:
                assigned[info.code] = private[bisect.bisect_right(weights, rng.random() * t)][0]

        current_by_company: dict[str, list[tuple[CompoundInfo, date, date | None]]] = {}
        for info in served:
            company = assigned[info.code]
            start, end = self._contracts(info, company, [c[0] for c in private])
            if end is None or end >= REFERENCE_DAY:
                current_by_company.setdefault(company, []).append((info, start, end))

        pms_by_community: dict[str, list[tuple[Person, str, date]]] = {}
        wy_party = {d.code: f"PARTY-{d.code}-WY" for d in districts}
        joint: dict[str, int] = {}
        for code, name, dcode in companies:
            current = current_by_company.get(code, [])
            n = len(current)
            if n >= 8:
                coverage = rng.choices(("单独组建", "联合组建"), (8, 2))[0]
            elif n >= 3:
                coverage = rng.choices(("单独组建", "联合组建", "派驻党建指导员"), (3, 5, 2))[0]
            else:
                coverage = rng.choices(("联合组建", "派驻党建指导员", "未覆盖"), (35, 40, 25))[0]
            parent = wy_party[dcode]
            if coverage == "联合组建":
                # One joint branch for every eight companies that have none of their own.
                n = joint.get(dcode, 0)
                joint[dcode] = n + 1
                branch = f"PARTY-{dcode}-WYLH{n // 8 + 1:03d}"
                if n % 8 == 0:
                    self.org(branch, f"中共{self._district_name(districts, dcode)}物业行业第{n // 8 + 1}联合支部委员会",
                             "党组织", region=dcode, party_parent=parent)
                parent = branch
            elif coverage == "未覆盖":
                parent = None
            own_branch = f"PARTY-{code}" if coverage == "单独组建" else None
            self.org(code, name, "物业服务企业", credit=self.credit_code(dcode[:6].ljust(6, "0")), coverage=coverage,
                     party_parent=own_branch or parent)
            if own_branch:
                self.org(own_branch, f"中共{name}支部委员会", "党组织", region=dcode, party_parent=parent)
            hired = date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28))
            gm = self.people.staff()
            self.member(code, gm, "总经理", party=bool(own_branch) or self.chance(0.4), start=hired)
            branch_members = [gm] if self.is_party(gm) else []
            for info, start, _end in current:
                pm = self.people.staff()
                if self.member(code, pm, "项目经理", party=self.chance(0.35), start=start):
                    branch_members.append(pm)
                pms_by_community.setdefault(info.community.code, []).append((pm, code, start))
            if own_branch and branch_members:
                self.member(own_branch, branch_members[0], "书记", start=hired)
                for p in branch_members[1:3]:
                    self.member(own_branch, p, "委员", start=hired)
            if coverage == "派驻党建指导员":
                self.member(code, self.people.staff(), "党建指导员", party=True, start=date(2024, 3, 1))
        self._company_cross_appointments(districts, current_by_company, pms_by_community)

    @staticmethod
    def _district_name(districts: list[District], code: str) -> str:
        return next(d.name for d in districts if d.code == code)

    def _contracts(self, info: CompoundInfo, company: str, others: list[str]) -> tuple[date, date | None]:
        """The contracts of one compound: the current (or lapsed) one and now and then the one
        before it, with another company. Returns the last contract's dates."""
        rng = self.rng
        years = rng.choices((3, 2, 5, 0), (60, 15, 15, 10))[0] if not info.showcase else 3   # 0: open-ended
        lapsed = not info.showcase and self.chance(0.1)
        if lapsed:
            end = REFERENCE_DAY - timedelta(days=rng.randint(15, 500))
            start = start_day(years_later(end, -(years or 3)) + timedelta(days=1))
        else:
            span = (years or 3) * 365
            start = start_day(REFERENCE_DAY - timedelta(days=rng.randint(20, span - 20)))
            end = years_later(start, years) - timedelta(days=1) if years else None
        fee = self._fee(info)
        signed = info.showcase or self.chance(0.9)
        rows = self.sheets[CONTRACTS]
        if info.built < 2020 and self.chance(0.25) and len(others) > 1:
            before = self.pick(others)
            if before == company:
                before = others[(others.index(company) + 1) % len(others)]
            prev_end = start - timedelta(days=1)
            prev_start = start_day(years_later(prev_end, -rng.choice((3, 5))) + timedelta(days=1))
            rows.append({"小区编码": info.code, "物业企业编码": before, "开始日期": prev_start, "结束日期": prev_end,
                         "物业费": round(max(0.5, fee - rng.choice((0.0, 0.1, 0.2, 0.3))), 2), "是否签订": YES})
        rows.append({"小区编码": info.code, "物业企业编码": company, "开始日期": start, "结束日期": end,
                     "物业费": fee, "是否签订": YES if signed else NO})
        return start, end

    def _fee(self, info: CompoundInfo) -> float:
        rng = self.rng
        if info.mode in ("统一打包", "居委会+物业") or info.kind in ("老旧小区", "其他"):
            low, high = 0.5, 1.0
        elif info.kind in ("回迁安置", "保障房"):
            low, high = 0.6, 1.5
        elif info.built < 2006:
            low, high = 1.2, 2.2
        else:
            low, high = 1.8, 3.5
        return round(rng.uniform(low, high), 2)

    def _company_cross_appointments(self, districts, current_by_company, pms_by_community) -> None:
        """A project manager sitting on the residents' committee as a part-time member (双向进入),
        and per subdistrict one 三方指导员: one person who is a residents' committee liaison, a
        non-voting member of the owners' committee and the company's first manager at once."""
        rc_start = {}
        for row in self.sheets[MEMBERSHIPS]:
            if row["组织编码"].startswith("JWH-") and row["职务"] == "书记":
                rc_start[row["组织编码"]] = (row["任期开始"], row["任期结束"])
        for d in districts:
            for s in d.subdistricts:
                for c in s.communities:
                    pms = pms_by_community.get(c.code)
                    if pms and self.chance(0.25):
                        pm = pms[0][0]
                        start, end = rc_start[f"JWH-{c.code}"]
                        self.member(f"JWH-{c.code}", pm, "委员", start=start, end=end)
        company_of: dict[str, tuple[str, date]] = {}
        for company, current in current_by_company.items():
            for info, start, _end in current:
                company_of[info.code] = (company, start)
        by_subdistrict: dict[str, list[CompoundInfo]] = {}
        for info in self.compounds:
            if info.committee and info.code in company_of and (info.committee_term[1] >= REFERENCE_DAY):
                sub = info.community.code[:-3]
                by_subdistrict.setdefault(sub, []).append(info)
        for infos in by_subdistrict.values():
            chosen = next((i for i in infos if i.showcase), None) or infos[int(self.rng.random() * len(infos))]
            person = self.people.staff()
            rc = f"JWH-{chosen.community.code}"
            start, end = rc_start[rc]
            self.member(rc, person, "小区专员", party=True, start=start, end=end)
            self.member(chosen.committee, person, "其他", start=chosen.committee_term[0], end=chosen.committee_term[1])
            company, since = company_of[chosen.code]
            self.member(company, person, "其他", start=since)

