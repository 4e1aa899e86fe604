"""A synthetic district as workbook rows, deterministic: for tests, timing runs and anyone who
needs a valid workbook of a given size. Not used by the import itself."""

from datetime import date

from sanfang.orgs.identity import make_resident_id

from . import workbook as wb

UNITS_PER_COMPOUND = 500   # 10 buildings × 2 entrances × 25 units


def district_rows(units: int = 2000, *, code: str = "339901", city: str = "3399") -> dict[str, list[dict]]:
    """Rows of every sheet for a district of about ``units`` units, each with one owner; each
    compound has an owners' committee whose members are owners there."""
    per_building = UNITS_PER_COMPOUND // 10
    n_compounds = max(1, -(-units // UNITS_PER_COMPOUND))
    subdistricts = max(1, n_compounds // 20)
    regions = [
        {"编码": city, "名称": "样例市", "层级": "市", "上级编码": None},
        {"编码": code, "名称": "样例区", "层级": "区", "上级编码": city},
    ]
    communities = []
    for s in range(1, subdistricts + 1):
        scode = f"{code}{s:03d}"
        regions.append({"编码": scode, "名称": f"第{s}街道", "层级": "街道", "上级编码": code})
        for c in range(1, 6):
            ccode = f"{scode}{c:03d}"
            communities.append(ccode)
            regions.append({"编码": ccode, "名称": f"第{s}街道第{c}社区", "层级": "社区", "上级编码": scode})
    compounds, buildings, unit_rows, owners, orgs, members, contracts = [], [], [], [], [], [], []
    for ccode in communities:
        orgs.append({"编码": f"PB-{ccode}", "名称": f"{ccode}社区党委", "类型": "党组织", "所属区域编码": ccode})
        orgs.append({"编码": f"RC-{ccode}", "名称": f"{ccode}居委会", "类型": "居委会", "所属区域编码": ccode,
                     "上级党组织编码": f"PB-{ccode}"})
    made = 0
    person_seq = 0
    for k in range(n_compounds):
        kcode = f"K{code}-{k:04d}"
        community = communities[k % len(communities)]
        company = f"CO-{code}-{k // 10:03d}"
        if k % 10 == 0:
            orgs.append({"编码": company, "名称": f"样例物业{k // 10}号", "类型": "物业服务企业",
                         "统一社会信用代码": f"91330100MA{k // 10:08d}", "党组织覆盖": "联合组建"})
        compounds.append({"编码": kcode, "名称": f"样例小区{k}", "社区编码": community, "地址": f"样例路{k}号",
                          "类型": "商品房" if k % 3 else "老旧小区", "建成年份": 1990 + k % 30,
                          "总建筑面积": 45000.5, "户数": UNITS_PER_COMPOUND, "管理模式": "市场化物业",
                          "经度": 120.1 + k / 10000, "纬度": 30.2 + k / 10000})
        contracts.append({"小区编码": kcode, "物业企业编码": company, "开始日期": date(2023, 1, 1),
                          "结束日期": date(2027, 12, 31), "物业费": 1.8, "是否签订": "是"})
        oc = f"OC-{kcode}"
        orgs.append({"编码": oc, "名称": f"样例小区{k}业委会", "类型": "业委会", "所属小区编码": kcode,
                     "党组织覆盖": "单独组建" if k % 2 else "未覆盖", "上级党组织编码": f"PB-{community}"})
        for b in range(1, 11):
            buildings.append({"小区编码": kcode, "楼栋号": str(b), "层数": 6 + b % 12, "单元数": 2})
            for e in (1, 2):
                for n in range(per_building // 2):
                    if made >= units:
                        break
                    made += 1
                    person_seq += 1
                    room = f"{n // 2 + 1}{n % 2 + 1:02d}"
                    unit_rows.append({"小区编码": kcode, "楼栋号": str(b), "单元": str(e), "房号": room,
                                      "类型": "住宅", "专有部分面积": 60 + (person_seq % 80) + 0.25,
                                      "面积来源": "测绘" if person_seq % 5 else "登记"})
                    id_number = make_resident_id(f"33{code[2:6]}1970{person_seq:07d}")
                    owner = {"小区编码": kcode, "楼栋号": str(b), "单元": str(e), "房号": room,
                             "姓名": f"业主{person_seq}", "证件号": id_number, "手机": f"139{person_seq:08d}",
                             "开发商持有": "否"}
                    owners.append(owner)
                    if b == 1 and e == 1 and n < 5:
                        members.append({"组织编码": oc, "姓名": owner["姓名"], "证件号": id_number,
                                        "手机": owner["手机"], "职务": "主任" if n == 0 else "委员",
                                        "是否党员": "是" if n % 2 == 0 else "否", "任期开始": date(2023, 1, 1),
                                        "任期结束": date(2027, 12, 31)})
    return {
        wb.REGIONS: regions, wb.COMPOUNDS: compounds, wb.BUILDINGS: buildings, wb.UNITS: unit_rows,
        wb.OWNERS: owners, wb.ORGANIZATIONS: orgs, wb.MEMBERSHIPS: members, wb.CONTRACTS: contracts,
    }
