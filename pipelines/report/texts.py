"""Every fixed string of the report, in Chinese and English; the page uses config `display_language`."""

METRIC_TITLES = {
    "zh": {"recency_days": "最近购买（天）", "frequency": "购买频次（单）", "monetary": "消费金额"},
    "en": {"recency_days": "Recency (days)", "frequency": "Frequency (orders)", "monetary": "Monetary"},
}

TEXT = {
    "zh": {
        "title": "客户分群季度报告",
        "index_title": "客户分群季度报告：目录",
        "index": "目录",
        "previous": "上一季度",
        "snapshot": "快照日期",
        "quarter": "季度",
        "customers": "客户数",
        "revenue": "收入",
        "share": "占比",
        "revenue_share": "收入占比",
        "segment": "分群",
        "segments": "分群数",
        "largest_segment": "最大分群",
        "checks": "质量检查",
        "failed": "未通过",
        "passed": "通过",
        "from": "来源分群",
        "to": "当前分群",
        "cluster": "聚类",
        "sizes": "分群规模与收入（历季）",
        "sizes_note": "截至本快照的所有季度；条形按分群堆叠。",
        "migration": "分群迁移矩阵",
        "migration_note": (
            "从 {before} 的分群（行）到 {after} 的分群（列）的客户数；悬停显示占来源分群的比例。"
        ),
        "migration_none": "历史中的第一个快照：没有可比较的上一快照。",
        "rfm": "RFM 分布与分档切点",
        "rfm_note": (
            "虚线为本快照的评分切点（{mode}）。未计入：从未完成订单 {r:,} 人（R），"
            "窗口期内无订单 {f:,} 人（F、M）。最后一个区间包含第 99 百分位以上的所有值。"
        ),
        "metric": "指标",
        "score": "得分",
        "range": "取值范围",
        "portraits": "分群画像",
        "portrait": "画像",
        "mean_scores": "平均 R/F/M",
        "medians": "中位数 最近天数 / 频次 / 金额",
        "median_order_value": "客单价中位数",
        "clusters": "聚类与分群对照",
        "clusters_empty": "本快照没有聚类结果（不同的客户太少，k-means 未分群）。",
        "cluster_profiles": "聚类概况",
        "samples": "抽样客户数",
        "samples_note": "每个分群抽取的复核样本（segment_samples，仅含脱敏联系方式）。",
        "sampled": "样本数",
        "quality": "数据质量摘要",
        "quality_note": (
            "本快照发布时的检查结果：{passed} 项通过，{failed} 项未通过"
            "（阻断型 {blocking}，警告型 {warning}）。"
        ),
        "all_checks": "全部检查",
        "check": "检查",
        "asset": "资产",
        "severity": "级别",
        "result": "结果",
        "description": "说明",
        "generated": "生成时间 {at}，发布编号 {publish_id}。离线可用：图表库已内嵌。",
        "effects": "策略效果：对照组与执行组",
        "effects_note": (
            "快照 {snapshot} 各分群的执行组（接受营销）与对照组（in_holdout，有意不触达）在下一季度"
            "（至 {outcome}）的表现；提升 = 执行组复购率 − 对照组复购率，误差线为 95% 置信区间。"
        ),
        "effects_pending": "下一季度（{outcome}）的数据尚未发布：结果在下一季度运行后填入。各组人数如下。",
        "effects_none": "本快照没有结果数据。",
        "lift_trend": "历季提升",
        "lift": "提升（复购率差）",
        "group": "组别",
        "treated": "执行组",
        "holdout": "对照组",
        "repurchase_rate": "复购率",
        "orders_per_customer": "人均订单",
        "revenue_per_customer": "人均收入",
        "moves": "升级 / 不变 / 降级 / 流失",
        "ci": "95% 区间",
        "value": "预测价值（CLV）与回测",
        "value_note": (
            "BG/NBD + Gamma-Gamma 模型（clv_models）预测的未来 12 个月价值：箱体为四分位，须线为第 10 与"
            "第 90 百分位。"
        ),
        "value_none": "本快照没有预测值（重复购买的客户太少，模型未拟合；见 clv_models.message）。",
        "predicted_clv": "12 个月预测价值",
        "median_clv": "预测价值中位数",
        "mean_clv": "预测价值均值",
        "total_clv": "预测价值合计",
        "mean_p_alive": "平均存活概率",
        "backtest": "回测：预测订单与下一季度实际订单（按预测十分位）",
        "backtest_pending": "下一季度的数据尚未发布：回测在下一季度运行后填入。",
        "decile": "预测十分位（1 为最低）",
        "predicted_orders": "预测订单（90 天）",
        "actual_orders": "实际订单（下一季度）",
        "index_note": "每个已发布快照一页；点击季度打开。",
    },
    "en": {
        "title": "Quarterly customer segments report",
        "index_title": "Quarterly customer segments report: index",
        "index": "Index",
        "previous": "Previous quarter",
        "snapshot": "Snapshot date",
        "quarter": "Quarter",
        "customers": "Customers",
        "revenue": "Revenue",
        "share": "Share",
        "revenue_share": "Revenue share",
        "segment": "Segment",
        "segments": "Segments",
        "largest_segment": "Largest segment",
        "checks": "Quality checks",
        "failed": "Failed",
        "passed": "Passed",
        "from": "From",
        "to": "To",
        "cluster": "Cluster",
        "sizes": "Segment sizes and revenue over quarters",
        "sizes_note": "Every quarter up to this snapshot; bars stacked by segment.",
        "migration": "Migration matrix",
        "migration_note": (
            "Customers from their segment on {before} (rows) to their segment on {after} (columns); "
            "hover for the share of the origin."
        ),
        "migration_none": "First snapshot in history: no earlier snapshot to migrate from.",
        "rfm": "RFM distributions and cut points",
        "rfm_note": (
            "Dashed lines: this snapshot's score boundaries ({mode}). Not counted: {r:,} customers without "
            "any completed order (R), {f:,} without an order in the window (F, M). The last bin holds "
            "everything above the 99th percentile."
        ),
        "metric": "Metric",
        "score": "Score",
        "range": "Range",
        "portraits": "Segment portraits",
        "portrait": "Portrait",
        "mean_scores": "Mean R/F/M",
        "medians": "Median recency / frequency / monetary",
        "median_order_value": "Median order value",
        "clusters": "Clusters x segments",
        "clusters_empty": "No clusters for this snapshot (too few distinct customers for k-means).",
        "cluster_profiles": "Cluster profiles",
        "samples": "Sample counts",
        "samples_note": "Customers drawn per segment for review (segment_samples; masked contact only).",
        "sampled": "Samples",
        "quality": "Quality summary",
        "quality_note": (
            "Checks this snapshot was published with: {passed} passed, {failed} failed "
            "({blocking} blocking, {warning} warning)."
        ),
        "all_checks": "All checks",
        "check": "Check",
        "asset": "Asset",
        "severity": "Severity",
        "result": "Result",
        "description": "Description",
        "generated": "Generated {at}, publish {publish_id}. Works offline: the chart library is inlined.",
        "effects": "Strategy effects: treated vs holdout",
        "effects_note": (
            "What each segment's treated customers (reached by campaigns) and holdout (in_holdout, left "
            "out on purpose) of {snapshot} did in the next quarter (to {outcome}); lift = treated minus "
            "holdout repurchase rate, error bars are 95 % intervals."
        ),
        "effects_pending": (
            "The next quarter ({outcome}) is not published yet: outcomes are filled in once it is run. "
            "Group sizes below."
        ),
        "effects_none": "No outcome rows for this snapshot.",
        "lift_trend": "Lift over quarters",
        "lift": "Lift (repurchase rate difference)",
        "group": "Group",
        "treated": "Treated",
        "holdout": "Holdout",
        "repurchase_rate": "Repurchase rate",
        "orders_per_customer": "Orders per customer",
        "revenue_per_customer": "Revenue per customer",
        "moves": "Better / same / worse / churned",
        "ci": "95 % interval",
        "value": "Predicted value (CLV) and backtest",
        "value_note": (
            "12-month value predicted by the BG/NBD + Gamma-Gamma models (clv_models): boxes are the "
            "quartiles, whiskers the 10th and 90th percentiles."
        ),
        "value_none": (
            "No predictions for this snapshot (too few repeat customers to fit; see clv_models.message)."
        ),
        "predicted_clv": "Predicted 12-month value",
        "median_clv": "Median predicted value",
        "mean_clv": "Mean predicted value",
        "total_clv": "Total predicted value",
        "mean_p_alive": "Mean p_alive",
        "backtest": "Backtest: predicted vs next quarter's actual orders (by decile of the prediction)",
        "backtest_pending": (
            "The next quarter is not published yet: the backtest is filled in once it is run."
        ),
        "decile": "Decile of the prediction (1 = lowest)",
        "predicted_orders": "Predicted orders (90 days)",
        "actual_orders": "Actual orders (next quarter)",
        "index_note": "One page per published snapshot; click a quarter to open it.",
    },
}
