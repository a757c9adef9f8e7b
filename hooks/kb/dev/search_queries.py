"""The exact-phrase queries of the search evaluation (kb.dev.searcheval), from the domain's vocabulary; the
queries typed as people type them, with answers judged by reading the records, are kb.dev.search_judged.

QUERIES: (query, group). The truth for each is taken from the data (the records whose searchable
text contains it), so the same queries serve the sample and any synthetic set; most occur in both
(the synthetic vocabulary is kb.dev.wordbank). Groups: 短词 (2–3 characters), 分词 (words that
dictionaries cut differently from the browser), 词组 (4–7 characters), 空格 (terms separated by
spaces: every term must occur), 名称 (names of methods and cases), 单位 (unit names), 数字, 无结果.

TOP3: queries over the sample data, each with the record a reader must find in the top 3 (the browser
tests, tests/test_browser.py). Words that need segmentation are included on purpose, as are words that
occur only in a record's body.
"""

QUERIES: list[tuple[str, str]] = [
    # short words
    ("党费", "短词"), ("党课", "短词"), ("台账", "短词"), ("电梯", "短词"), ("青年", "短词"), ("帮扶", "短词"),
    ("积分", "短词"), ("领学", "短词"), ("党小组", "短词"), ("先锋岗", "短词"), ("微党课", "短词"),
    # words that dictionaries cut differently (Pagefind's dictionary at index time, the browser's ICU at query time)
    ("支委会", "分词"), ("三会一课", "分词"), ("谈心谈话", "分词"), ("民主评议", "分词"), ("组织生活会", "分词"),
    ("党员活动室", "分词"), ("主题党日", "分词"), ("发展对象", "分词"), ("入党积极分子", "分词"),
    # phrases of four to seven characters
    ("预备党员", "词组"), ("换届选举", "词组"), ("差额选举", "词组"), ("阵地建设", "词组"), ("结对共建", "词组"),
    ("警示教育", "词组"), ("流动党员", "词组"), ("党费收缴", "词组"), ("民主评议党员", "词组"), ("支部书记讲党课", "词组"),
    ("发展党员", "词组"), ("政治生日", "词组"),
    # several terms
    ("党费 基数", "空格"), ("谈心 谈话", "空格"), ("主题党日 志愿服务", "空格"), ("三会一课 台账", "空格"),
    ("发展对象 政治审查", "空格"),
    # names of methods and cases
    ("四必谈", "名称"), ("三单", "名称"), ("民生直通车", "名称"), ("工地课堂", "名称"), ("数字台账", "名称"),
    ("交地即交证", "名称"), ("长者食堂", "名称"), ("清廉工地", "名称"), ("风险地图", "名称"), ("老旧小区改造", "名称"),
    # unit names
    ("市财政局", "单位"), ("民政局", "单位"), ("统计局", "单位"), ("市教育局", "单位"),
    # digits
    ("12345", "数字"), ("12345热线", "数字"),
    # no match
    ("量子纠缠", "无结果"), ("火星基地", "无结果"), ("qwertyuiop", "无结果"), ("党费 火星", "无结果"),
]

TOP3: dict[str, str] = {
    "党费": "standards/dangfei",
    "党费收缴": "standards/dangfei",
    "支委会": "standards/sanhui-yike",
    "三会一课": "standards/sanhui-yike",
    "党课": "standards/sanhui-yike",
    "组织生活会": "standards/zuzhi-shenghuohui",
    "民主评议": "standards/minzhu-pingyi",
    "民主评议党员": "standards/minzhu-pingyi",
    "谈心谈话": "standards/tanxin-tanhua",
    "主题党日": "standards/zhuti-dangri",
    "发展对象": "standards/fazhan-dangyuan",
    "入党积极分子": "standards/fazhan-dangyuan",
    "入党介绍人": "standards/fazhan-dangyuan",
    "预备党员": "standards/fazhan-dangyuan",
    "换届选举": "standards/huanjie-xuanju",
    "差额选举": "standards/huanjie-xuanju",
    "阵地建设": "standards/zhendi-jianshe",
    "党员活动室": "standards/zhendi-jianshe",
    "工地课堂": "methods/gongdi-ketang",
    "三单工作法": "methods/sandan-gongzuofa",
    "四必谈": "methods/sibi-tan",
    "民生直通车": "methods/minsheng-zhitongche",
    "数字台账": "methods/shuzi-taizhang",
    "廉政风险点": "methods/lianzheng-fengxiandian",
    "支部建在项目上": "methods/zhibu-jian-xiangmu",
    "青年学习社": "methods/qingnian-xuexishe",
    "党员积分": "methods/yixiang-yiping",
    "领学": "methods/lingxue-weijiang",
    "老旧小区改造": "cases/laojiu-xiaoqu-gaizao-baobao",
    "长者食堂": "cases/laonian-zhucan-dangyuan-baodian",
    "电梯": "cases/dianti-anquan-xianfengdui",
    "12345热线": "cases/rexian-suqiu-fenxi-jinzhibu",
    "家庭医生": "cases/jiating-yisheng-qianyue-luoshi",
    "清廉工地": "cases/qinglian-gongdi-lianjie-gongjian",
    "风险地图": "cases/qinglian-caigou-fengxian-ditu",
    "学生资助": "cases/zizhu-zhengce-rujia-fang",
    "全程纪实": "cases/fazhan-dangyuan-quancheng-jishi",
    "交地即交证": "cases/jiaodi-ji-jiaozheng",
}
