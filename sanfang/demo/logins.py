"""The demo logins, found in the generated rows (no database): one per role, all around the
showcase compound (the first compound of the workbook)."""

from __future__ import annotations

from dataclasses import dataclass

from sanfang.registry.workbook import COMPOUNDS, CONTRACTS, MEMBERSHIPS, ORGANIZATIONS, OWNERS, REGIONS

from .builder import NO, REFERENCE_DAY, YES, Rows


@dataclass(frozen=True)
class Login:
    role: str            # accounts.models.Role value
    username: str
    phone: str
    node: str            # "region", "compound" or "organization"
    node_code: str
    id_number: str | None   # the person the user is (matched by 证件号), if any
    name: str
    sees: str


DEMO_PASSWORD = "sanfang-demo"


def demo_logins(sheets: Rows) -> list[Login]:
    regions = sheets[REGIONS]
    district = next(r for r in regions if r["层级"] == "区")
    showcase = sheets[COMPOUNDS][0]
    community = next(r for r in regions if r["编码"] == showcase["社区编码"])
    subdistrict = next(r for r in regions if r["编码"] == community["上级编码"])
    dept = next(o for o in sheets[ORGANIZATIONS] if o["编码"] == f"BM-{district['编码']}-ZJ")
    code = showcase["编码"]

    members: dict[str, list[dict]] = {}
    for m in sheets[MEMBERSHIPS]:
        members.setdefault(m["组织编码"], []).append(m)

    def holder(org: str, position: str) -> dict:
        return next(m for m in members[org] if m["职务"] == position)

    today = REFERENCE_DAY
    contract = next(c for c in reversed(sheets[CONTRACTS]) if c["小区编码"] == code
                    and (c["结束日期"] is None or c["结束日期"] >= today) and c["是否签订"] == YES)
    company = contract["物业企业编码"]
    company_name = next(o["名称"] for o in sheets[ORGANIZATIONS] if o["编码"] == company)
    appointed = {m["证件号"] for rows in members.values() for m in rows}
    resident = next(o for o in sheets[OWNERS] if o["小区编码"] == code and o["开发商持有"] == NO
                    and o["证件号"] not in appointed and o["楼栋号"] not in ("地下车库", "沿街商铺"))

    compounds = sheets[COMPOUNDS]
    comm_of_sub = {r["编码"] for r in regions if r["上级编码"] == subdistrict["编码"]}
    n_sub_compounds = sum(1 for c in compounds if c["社区编码"] in comm_of_sub)
    n_comm_compounds = sum(1 for c in compounds if c["社区编码"] == community["编码"])
    n_subs = sum(1 for r in regions if r["层级"] == "街道")
    n_served = sum(1 for c in sheets[CONTRACTS] if c["物业企业编码"] == company
                   and (c["结束日期"] is None or c["结束日期"] >= today))
    secretary = holder(f"JWH-{community['编码']}", "书记")
    grid = holder(f"JWH-{community['编码']}", "网格员")
    chair = holder(f"YWH-{code}", "主任")
    supervisor = holder(f"JDW-{code}", "主任")
    manager = holder(company, "总经理")
    everything = f"{district['名称']}: {n_subs} subdistricts, {len(compounds)} compounds"

    def login(i, role, username, node, node_code, person, sees):
        return Login(role, username, f"138000000{i:02d}", node, node_code,
                     person["证件号"] if person else None, person["姓名"] if person else "", sees)

    return [
        login(1, "district_officer", "district", "region", district["编码"], None,
              f"{everything} (superuser: Django admin too)"),
        login(2, "subdistrict_officer", "subdistrict", "region", subdistrict["编码"], None,
              f"{subdistrict['名称']}: {len(comm_of_sub)} communities, {n_sub_compounds} compounds"),
        login(3, "department_officer", "department", "organization", dept["编码"], None,
              f"{dept['名称']}: cases across {district['名称']}"),
        login(4, "community_worker", "community", "region", community["编码"], secretary,
              f"{community['名称']}: {n_comm_compounds} compounds (secretary, also on the owners' committee)"),
        login(5, "grid_worker", "grid", "region", community["编码"], grid,
              f"{community['名称']}: {n_comm_compounds} compounds, as a grid worker"),
        login(6, "committee_member", "committee", "organization", f"YWH-{code}", chair,
              f"{showcase['名称']}, as chair of its owners' committee"),
        login(7, "supervisory_member", "supervisor", "organization", f"JDW-{code}", supervisor,
              f"{showcase['名称']}, as chair of its supervisory committee"),
        login(8, "company_staff", "company", "organization", company, manager,
              f"{company_name}: the {n_served} compounds it serves now"),
        login(9, "resident", "resident", "compound", code, resident,
              f"{showcase['名称']}, as an owner of {resident['楼栋号']}-{resident['单元']}-{resident['房号']}"),
    ]

