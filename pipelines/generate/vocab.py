"""Value vocabularies of the synthetic sources, with their weights.

Codes are lower-case English (as the contract's own enumerations are); free text such as names,
company names and cities is Chinese. Downstream models may import these lists to know every value
the generator can emit.
"""

from __future__ import annotations

from collections.abc import Sequence

SLOTS = 1000  # resolution of a weighted pick: one value per 1/1000 of probability

# (surname, pinyin, relative frequency in percent); the 50 most common surnames.
SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1),
    ("李", "li", 7.0),
    ("张", "zhang", 6.7),
    ("刘", "liu", 5.4),
    ("陈", "chen", 4.5),
    ("杨", "yang", 3.1),
    ("黄", "huang", 2.2),
    ("赵", "zhao", 2.0),
    ("吴", "wu", 2.0),
    ("周", "zhou", 1.9),
    ("徐", "xu", 1.3),
    ("孙", "sun", 1.3),
    ("马", "ma", 1.1),
    ("朱", "zhu", 1.1),
    ("胡", "hu", 1.0),
    ("郭", "guo", 1.0),
    ("何", "he", 0.9),
    ("高", "gao", 0.9),
    ("林", "lin", 0.9),
    ("罗", "luo", 0.8),
    ("郑", "zheng", 0.8),
    ("梁", "liang", 0.7),
    ("谢", "xie", 0.6),
    ("宋", "song", 0.5),
    ("唐", "tang", 0.5),
    ("许", "xu", 0.5),
    ("韩", "han", 0.5),
    ("冯", "feng", 0.4),
    ("邓", "deng", 0.4),
    ("曹", "cao", 0.4),
    ("彭", "peng", 0.4),
    ("曾", "zeng", 0.4),
    ("肖", "xiao", 0.4),
    ("田", "tian", 0.4),
    ("董", "dong", 0.3),
    ("袁", "yuan", 0.3),
    ("潘", "pan", 0.3),
    ("于", "yu", 0.3),
    ("蒋", "jiang", 0.3),
    ("蔡", "cai", 0.3),
    ("余", "yu", 0.3),
    ("杜", "du", 0.3),
    ("叶", "ye", 0.3),
    ("程", "cheng", 0.3),
    ("苏", "su", 0.3),
    ("魏", "wei", 0.3),
    ("吕", "lv", 0.3),
    ("丁", "ding", 0.3),
    ("任", "ren", 0.3),
    ("沈", "shen", 0.3),
)


def _pairs(words: str, pinyin: str) -> tuple[tuple[str, str], ...]:
    """Pair space-separated words (or, without spaces, single characters) with their pinyin."""
    return tuple(zip(words.split() if " " in words else list(words), pinyin.split(), strict=True))


GIVEN_MALE = _pairs(
    "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林博文志建国海峰晨东亮",
    "wei qiang lei jun yang yong jie tao ming chao gang ping hui peng hua fei xin bo bin yu hao kai "
    "jian jun fan shuai xu ning long lin bo wen zhi jian guo hai feng chen dong liang",
)
GIVEN_FEMALE = _pairs(
    "芳娜敏静丽艳娟霞秀玲燕婷雪慧颖琳洁倩晶欣悦萍红梅莉佳怡琪蕾璐雯瑶楠丹妍思雨梦月晓",
    "fang na min jing li yan juan xia xiu ling yan ting xue hui ying lin jie qian jing xin yue ping "
    "hong mei li jia yi qi lei lu wen yao nan dan yan si yu meng yue xiao",
)
EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("qq.com", 34),
    ("163.com", 20),
    ("126.com", 9),
    ("139.com", 5),
    ("sina.com", 5),
    ("foxmail.com", 6),
    ("gmail.com", 7),
    ("outlook.com", 6),
    ("hotmail.com", 4),
    ("yeah.net", 4),
)
# Mobile number prefixes in use (first three digits), all matching 1[3-9]x.
PHONE_PREFIXES: tuple[str, ...] = tuple(
    [f"13{d}" for d in range(10)]
    + [
        "145",
        "147",
        "150",
        "151",
        "152",
        "153",
        "155",
        "156",
        "157",
        "158",
        "159",
        "166",
        "170",
        "171",
        "173",
        "175",
        "176",
        "177",
        "178",
    ]
    + [f"18{d}" for d in range(10)]
    + ["191", "193", "195", "196", "197", "198", "199"]
)
# City tier 1-5 (一线, 新一线, 二线, 三线, 四/五线) and the share of customers per tier.
CITIES: dict[int, tuple[str, ...]] = {
    1: ("北京", "上海", "广州", "深圳"),
    2: (
        "成都",
        "杭州",
        "重庆",
        "武汉",
        "西安",
        "苏州",
        "天津",
        "南京",
        "长沙",
        "郑州",
        "东莞",
        "青岛",
        "沈阳",
        "宁波",
        "昆明",
    ),
    3: (
        "无锡",
        "厦门",
        "福州",
        "济南",
        "大连",
        "哈尔滨",
        "温州",
        "石家庄",
        "泉州",
        "南宁",
        "长春",
        "南昌",
        "贵阳",
        "金华",
        "常州",
        "惠州",
        "嘉兴",
        "南通",
        "徐州",
        "太原",
        "珠海",
        "中山",
        "兰州",
        "烟台",
    ),
    4: (
        "洛阳",
        "汕头",
        "潍坊",
        "扬州",
        "桂林",
        "芜湖",
        "赣州",
        "绵阳",
        "湛江",
        "宜昌",
        "襄阳",
        "柳州",
        "包头",
        "秦皇岛",
        "岳阳",
        "九江",
    ),
    5: ("丽江", "延边", "黄山", "张家界", "安顺", "天水", "乐山", "景德镇", "北海", "日照", "吉安", "六安"),
}
TIER_SHARES: tuple[float, ...] = (0.2, 0.26, 0.24, 0.17, 0.13)
OCCUPATIONS: tuple[tuple[str, float], ...] = (
    ("engineer", 12),
    ("teacher", 8),
    ("doctor", 4),
    ("nurse", 4),
    ("civil_servant", 6),
    ("sales", 10),
    ("designer", 5),
    ("manager", 9),
    ("accountant", 6),
    ("worker", 12),
    ("self_employed", 10),
    ("freelancer", 6),
    ("service_staff", 8),
)
INCOME_BANDS: tuple[str, ...] = ("low", "mid", "high")
INDUSTRIES: tuple[tuple[str, str, str, float], ...] = (
    # (code, word in the company name, e-mail slug, weight)
    ("manufacturing", "实业", "industry", 16),
    ("retail", "商贸", "trade", 14),
    ("software", "科技", "tech", 14),
    ("finance", "投资", "capital", 6),
    ("education", "教育", "edu", 6),
    ("healthcare", "医疗", "med", 6),
    ("logistics", "物流", "logistics", 8),
    ("catering", "餐饮", "food", 8),
    ("construction", "建设", "build", 7),
    ("consulting", "咨询", "consulting", 6),
    ("media", "文化传媒", "media", 5),
    ("energy", "能源", "energy", 4),
)
BRANDS = _pairs(
    "华信 恒通 鼎盛 瑞丰 嘉禾 远航 金诚 天成 宏达 新元 博远 中科 海纳 启明 九州 东方 永泰 盛世 智联 云帆 "
    "星辰 联创 卓越 长青 锦程 润和 明德 泰和 安信 聚源 凯瑞 立达",
    "huaxin hengtong dingsheng ruifeng jiahe yuanhang jincheng tiancheng hongda xinyuan boyuan zhongke "
    "haina qiming jiuzhou dongfang yongtai shengshi zhilian yunfan xingchen lianchuang zhuoyue changqing "
    "jincheng runhe mingde taihe anxin juyuan kairui lida",
)
COMPANY_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("有限公司", 68),
    ("股份有限公司", 14),
    ("有限责任公司", 12),
    ("集团有限公司", 6),
)
COMPANY_MAILBOXES: tuple[str, ...] = ("info", "sales", "contact", "service", "admin", "purchase")
MEMBER_LEVELS: tuple[str, ...] = ("basic", "silver", "gold", "vip")
CHANNELS: tuple[str, ...] = ("app", "web", "mini_program", "store")
CHANNEL_WEIGHTS = {  # primary channel per customer type, in the order of CHANNELS
    "individual": (40, 15, 25, 20),
    "enterprise": (15, 45, 10, 30),
}
# (code, typical price relative to the customer's level, weight individual, weight enterprise)
CATEGORIES: tuple[tuple[str, float, float, float], ...] = (
    ("apparel", 1.0, 20, 4),
    ("food", 0.35, 18, 8),
    ("electronics", 3.0, 12, 30),
    ("beauty", 0.9, 12, 2),
    ("home", 1.4, 12, 12),
    ("baby", 0.8, 8, 1),
    ("sports", 1.2, 8, 5),
    ("books", 0.4, 6, 8),
    ("office", 0.8, 4, 30),
)
PAYMENT_METHODS: tuple[str, ...] = ("alipay", "wechat", "card", "cash", "bank_transfer")
PAYMENT_WEIGHTS = {  # preferred payment method, in the order of PAYMENT_METHODS
    "individual": (46, 42, 12, 0, 0),  # cash only at the till (see orders.py)
    "enterprise": (18, 8, 14, 0, 60),
}
TICKET_TYPES: tuple[str, ...] = ("inquiry", "complaint", "suggestion", "after_sales")
TICKET_CHANNELS: tuple[str, ...] = ("phone", "chat", "email", "app", "store")
UNKNOWN_STATUSES: tuple[str, ...] = ("pending_xx", "pending_payment", "shipped", "PROCESSING", "on_hold")
BAD_TIMESTAMPS: tuple[str, ...] = (
    "2024-13-45",
    "not a date",
    "31/12/2024 25:61",
    "0000-00-00 00:00:00",
    "2023-02-30T10:00:00",
    "N/A",
)


def weighted_slots(weights: Sequence[float], slots: int = SLOTS) -> list[int]:
    """1-based value indexes, each repeated in proportion to its weight (largest remainder).

    `slots[floor(u * len(slots))]` for a uniform `u` then picks index i with probability
    weights[i] / sum(weights), to a resolution of 1/slots.
    """
    total = float(sum(weights))
    exact = [w / total * slots for w in weights]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: slots - sum(counts)]:
        counts[i] += 1
    return [i + 1 for i, n in enumerate(counts) for _ in range(n)]
