"""Regions, compounds, buildings, units and their owners."""

from __future__ import annotations

from .. import names as N
from .base import (
    _ROOMS,
    _SMALL,
    BUILDINGS,
    COMPOUNDS,
    NO,
    OWNERS,
    UNITS,
    YES,
    BuilderBase,
    Community,
    CompoundInfo,
    CompoundPlan,
    District,
    Person,
    Subdistrict,
    UniqueNames,
)


class PlacesMixin(BuilderBase):
    def regions(self, city: tuple[str, str], districts: list[District]) -> None:
        self.city_code, self.city_name = city
        self.region(city[0], city[1], "市", None)
        for d in districts:
            self.region(d.code, d.name, "区", city[0])
            for s in d.subdistricts:
                self.region(s.code, s.name, "街道", d.code)
                for c in s.communities:
                    self.region(c.code, c.name, "社区", s.code)

    def district_orgs(self, d: District) -> None:
        party = self.org(f"PARTY-{d.code}", f"中共{d.name}委员会", "党组织", region=d.code)
        self.org(f"PARTY-{d.code}-WY", f"中共{d.name}物业行业委员会", "党组织", region=d.code, party_parent=party)
        for suffix, name in N.DEPARTMENTS:
            self.org(f"BM-{d.code}-{suffix}", f"{d.name}{name}", "职能部门", region=d.code)
        for s in d.subdistricts:
            self.org(f"PARTY-{s.code}", f"中共{d.name}{s.name}工作委员会", "党组织", region=s.code, party_parent=party)
            self.org(f"BM-{s.code}-SFS", f"{s.name}司法所", "职能部门", region=s.code)

    # -- one compound ---------------------------------------------------------------------

    def compound(self, d: District, s: Subdistrict, c: Community, code: str, plan: CompoundPlan) -> CompoundInfo:
        rng = self.rng
        kind = plan.kind
        built, mode = self._age_and_mode(kind, plan)
        name = self._compound_name(d, kind, plan.units)
        total = plan.units

        # Split the unit rows into residences, shops and parking spaces.
        parking = 0
        if kind == "商品房" and built >= 2000:
            parking = round(total * rng.uniform(0.12, 0.28))
        elif kind in ("回迁安置", "保障房") and built >= 2005:
            parking = round(total * rng.uniform(0.04, 0.12))
        shops = round(total * rng.uniform(0.0, 0.03)) if kind != "保障房" and self.chance(0.45) else 0
        if plan.showcase:
            parking = max(parking, 40)
            shops = max(shops, 6)
        residences = max(1, total - parking - shops)
        parking = total - residences - shops

        compound_row = {
            "编码": code, "名称": name, "社区编码": c.code,
            "地址": f"{self.city_name}{d.name}{self.pick(N.ROADS)}{rng.randint(1, 699)}号",
            "类型": kind, "建成年份": built, "总建筑面积": None, "户数": residences, "管理模式": mode,
            "经度": round(d.center[0] + rng.uniform(-0.04, 0.04), 6),
            "纬度": round(d.center[1] + rng.uniform(-0.035, 0.035), 6),
        }
        self.sheets[COMPOUNDS].append(compound_row)

        homes: list[tuple[str, str, str]] = []
        area_sum = 0.0
        area_sum += self._residential_buildings(code, kind, built, residences, homes)
        shop_keys: list[tuple[str, str, str]] = []
        if shops:
            area_sum += self._shops(code, shops, shop_keys)
        garage: list[tuple[str, str, str]] = []
        if parking:
            self._garage(code, parking, garage)
        compound_row["总建筑面积"] = round(area_sum * rng.uniform(1.18, 1.32), 2)

        info = CompoundInfo(code=code, name=name, kind=kind, mode=mode, built=built, residences=residences,
                             district=d, community=c, owners=[], showcase=plan.showcase)
        self._owners(info, homes, shop_keys, garage)
        self.compounds.append(info)
        return info

    def _age_and_mode(self, kind: str, plan: CompoundPlan) -> tuple[int, str]:
        rng = self.rng
        if plan.showcase:
            return 2012, "市场化物业"
        if kind == "老旧小区":
            built = rng.randint(1980, 2000)
            mode = rng.choices(("准物业", "居委会+物业", "统一打包", "市场化物业", "无"), (42, 24, 20, 9, 5))[0]
        elif kind == "回迁安置":
            built = rng.randint(2000, 2019)
            mode = rng.choices(("市场化物业", "统一打包", "准物业", "居委会+物业"), (40, 28, 20, 12))[0]
        elif kind == "商品房":
            built = rng.choices((rng.randint(1996, 2005), rng.randint(2006, 2015), rng.randint(2016, 2023)),
                                (25, 45, 30))[0]
            mode = "市场化物业" if self.chance(0.96) else "无"
        elif kind == "保障房":
            built = rng.randint(2008, 2021)
            mode = rng.choice(("市场化物业", "统一打包"))
        else:
            built = rng.randint(1975, 1998)
            mode = rng.choice(("准物业", "无", "居委会+物业"))
        return built, mode

    def _compound_name(self, d: District, kind: str, units: int) -> str:
        names = self.names.setdefault(d.code, UniqueNames())
        if kind == "老旧小区":
            name = self.pick(N.OLD_STEMS) + self.pick(N.OLD_SUFFIXES)
            if units > 500 and self.chance(0.5):
                name += self.pick(N.SECTIONS[:3])
        elif kind == "回迁安置":
            name = self.pick(N.RESETTLEMENT_STEMS) + self.pick(N.RESETTLEMENT_SUFFIXES)
        elif kind == "商品房":
            if self.chance(0.25):
                name = self.pick(N.COMMERCIAL_WHOLE)
            else:
                name = self.pick(N.COMMERCIAL_STEMS) + self.pick(N.COMMERCIAL_SUFFIXES)
        elif kind == "保障房":
            name = self.pick(N.RESETTLEMENT_STEMS) + self.pick(N.AFFORDABLE_SUFFIXES)
        else:
            name = self.pick(N.OLD_STEMS) + "宿舍"
        return names.take(name)

    def _shape(self, kind: str, built: int) -> tuple[int, int, int]:
        """(floors, entrances, units per floor per entrance) of one residential building."""
        rng = self.rng
        walkup = (self.pick((4, 5, 6, 6, 6, 7, 7)), self.pick((2, 2, 3, 3, 4)), 2)
        if kind in ("老旧小区", "其他") or built < 1998:
            return walkup
        if kind == "回迁安置":
            return (rng.randint(11, 18), rng.randint(1, 2), self.pick((2, 2, 3, 4))) if self.chance(0.5) else walkup
        if kind == "保障房":
            return rng.randint(11, 26), 1, rng.randint(2, 4)
        if built < 2006:
            return walkup if self.chance(0.65) else (rng.randint(11, 18), rng.randint(1, 2), rng.randint(2, 4))
        if self.chance(0.45):
            return rng.randint(6, 11), rng.randint(1, 2), 2      # 洋房
        return rng.randint(15, 33), self.pick((1, 1, 1, 2)), self.pick((2, 2, 2, 3, 4))

    def _residential_buildings(self, code: str, kind: str, built: int, count: int, homes: list) -> float:
        rng = self.rng
        units_sheet = self.sheets[UNITS]
        buildings_sheet = self.sheets[BUILDINGS]
        low, high = {"老旧小区": (40, 75), "回迁安置": (55, 110), "商品房": (78, 160), "保障房": (40, 70)}.get(
            kind, (45, 90))
        remaining = count
        number = 0
        area_sum = 0.0
        while remaining > 0:
            number += 1
            floors, entrances, per_floor = self._shape(kind, built)
            capacity = floors * entrances * per_floor
            n = min(capacity, remaining)
            remaining -= n
            per_entrance = floors * per_floor
            used_entrances = -(-n // per_entrance)
            used_floors = floors if n >= per_entrance else -(-n // per_floor)
            bno = _SMALL[number] if number < 100 else str(number)
            buildings_sheet.append({"小区编码": code, "楼栋号": bno, "层数": used_floors, "单元数": used_entrances})
            # One floor plan per building: the flat at position k has the same area on every floor.
            plan = [round(rng.uniform(low, high), 2) for _ in range(per_floor)]
            source = rng.choices(("登记", "测绘", "合同"), (85, 10, 5))[0]
            left = n
            for e in range(1, used_entrances + 1):
                entrance = _SMALL[e]
                for f in range(1, floors + 1):
                    row = _ROOMS[f]
                    for k in range(per_floor):
                        if not left:
                            break
                        left -= 1
                        room = row[k]
                        area = plan[k]
                        area_sum += area
                        units_sheet.append({"小区编码": code, "楼栋号": bno, "单元": entrance, "房号": room,
                                            "类型": "住宅", "专有部分面积": area, "面积来源": source})
                        homes.append((bno, entrance, room))
        return area_sum

    def _shops(self, code: str, count: int, keys: list) -> float:
        rng = self.rng
        floors = 1 if count <= 30 else 2
        self.sheets[BUILDINGS].append({"小区编码": code, "楼栋号": "沿街商铺", "层数": floors, "单元数": 1})
        area_sum = 0.0
        for i in range(count):
            floor, k = divmod(i, max(30, -(-count // 2)))
            room = f"{floor + 1}{k + 1:02d}"
            area = round(rng.uniform(20, 200), 2)
            area_sum += area
            self.sheets[UNITS].append({"小区编码": code, "楼栋号": "沿街商铺", "单元": "1", "房号": room,
                                       "类型": "商铺", "专有部分面积": area, "面积来源": "登记"})
            keys.append(("沿街商铺", "1", room))
        return area_sum

    def _garage(self, code: str, count: int, keys: list) -> None:
        rng = self.rng
        levels = -(-count // 900)
        self.sheets[BUILDINGS].append({"小区编码": code, "楼栋号": "地下车库", "层数": levels, "单元数": levels})
        per_level = -(-count // levels)
        source = "合同" if self.chance(0.6) else "测绘"
        for i in range(count):
            level, k = divmod(i, per_level)
            entrance = f"B{level + 1}"
            room = f"{k + 1:03d}"
            self.sheets[UNITS].append({"小区编码": code, "楼栋号": "地下车库", "单元": entrance, "房号": room,
                                       "类型": "车位", "专有部分面积": round(rng.uniform(11.5, 15.0), 2),
                                       "面积来源": source})
            keys.append(("地下车库", entrance, room))

    def _developer(self, d: District) -> Person:
        """A developer, now and then reused for a second project in the same district."""
        if self.developers and self.chance(0.25):
            return self.pick(self.developers[-8:])
        name = f"杭州{self.pick(N.COMPANY_STEMS)}{self.pick(N.DEVELOPER_FORMS)}"
        dev = (name, self.credit_code(d.code[:6].ljust(6, "0")), None)
        self.developers.append(dev)
        return dev

    def _owners(self, info: CompoundInfo, homes: list, shops: list, garage: list) -> None:
        rng = self.rng
        rows = self.sheets[OWNERS]
        code = info.code
        people = self.people
        developer = None
        unsold_homes = unsold_parking = 0.0
        if info.kind == "商品房" and info.built >= 2016:
            developer = self._developer(info.district)
            unsold_homes = rng.uniform(0.02, 0.12)
            unsold_parking = rng.uniform(0.3, 0.7)
        elif info.kind == "商品房" and info.built >= 2006 and garage:
            developer = self._developer(info.district)
            unsold_parking = rng.uniform(0.1, 0.4)

        owners = info.owners
        units_held: dict[str, int] = {}

        def add(key, person: Person, developer_held: bool = False):
            rows.append({"小区编码": code, "楼栋号": key[0], "单元": key[1], "房号": key[2], "姓名": person[0],
                         "证件号": person[1], "手机": person[2], "开发商持有": YES if developer_held else NO})

        def another_unit(key, p: Person) -> bool:
            """Give ``p`` one more unit unless they already hold three."""
            held = units_held.get(p[1], 1)
            if held >= 3:
                return False
            units_held[p[1]] = held + 1
            add(key, p)
            return True

        for key in homes:
            r = rng.random()
            if developer is not None and r < unsold_homes:
                add(key, developer, True)
                continue
            r = rng.random()
            # Someone who already owns a flat here buys a second one (three at most).
            if owners and r < 0.04 and another_unit(key, owners[int(rng.random() * len(owners))]):
                continue
            p = people.owner()
            owners.append(p)
            add(key, p)
            if r > 0.76:           # co-owned: spouses, or parents and a child
                co = people.owner()
                owners.append(co)
                add(key, co)
                if r > 0.975:
                    co = people.owner()
                    owners.append(co)
                    add(key, co)

        for key in garage:
            if developer is not None and rng.random() < unsold_parking:
                add(key, developer, True)
            else:
                # A space goes with a flat here, to someone holding fewer than three units.
                for _ in range(3 if owners else 0):
                    if another_unit(key, owners[int(rng.random() * len(owners))]):
                        break
                else:
                    add(key, people.owner())

        previous, held = None, 0
        for key in shops:
            if previous is not None and held < 3 and rng.random() < 0.15:
                held += 1
            else:
                previous, held = people.owner(), 1
            add(key, previous)

    # -- a community and its committees ---------------------------------------------------

