"""The audit log in words: one mapping of action codes to Chinese names, and readable details.

The admin page (/admin/audit) and its workbook (exports/audit_log.py) both show entries through
:func:`action_label`, :func:`object_label` and :func:`describe_detail`; a code without a name here is
shown as it is, so a new action never breaks the log.
"""

from datetime import date, datetime

ACTION_LABELS = {
    # accounts
    "account.register": "企业注册",
    "account.create": "创建账号",
    "account.activate": "启用账号",
    "account.deactivate": "停用账号",
    "account.change_role": "更改角色",
    "account.update": "修改账号信息",
    "account.login": "登录",
    "account.login_password_ok": "登录：密码正确，待第二步验证",
    "account.login_failed": "登录失败",
    "account.login_throttled": "登录受限（尝试过多）",
    "account.logout": "退出登录",
    "account.password_change": "修改密码",
    "account.password_change_failed": "修改密码失败",
    "account.password_set_by_link": "通过链接设置密码",
    "account.invite_link": "发送账号开通链接",
    "account.reset_link": "发送重设密码链接",
    "account.2fa_enrol": "启用两步验证",
    "account.2fa_failed": "两步验证失败",
    "account.2fa_reset": "重置两步验证",
    "account.code_claim": "申诉统一社会信用代码",
    "account.code_claim_approved": "批准代码申诉",
    "account.code_claim_rejected": "驳回代码申诉",
    "account.code_released": "释放统一社会信用代码",
    # organisations and campaigns
    "organisation.create": "添加单位",
    "organisation.update": "修改单位",
    "campaign.create": "创建批次",
    "campaign.update": "修改批次",
    "campaign.copy": "复制批次",
    "campaign.archive": "归档批次",
    "rubric.save": "保存评分细则",
    # imports from the ministries' sheets
    "import.confirm": "导入 Excel",
    "import.create": "导入：新增",
    "import.update": "导入：更新",
    # the application
    "application.start": "开始填写申报书",
    "application.save": "保存申报书",
    "application.self_check_save": "保存自我检查表",
    "application.certification_add": "添加证书",
    "application.certification_remove": "删除证书",
    "application.attachment_add": "上传附件",
    "application.attachment_remove": "删除附件",
    "application.choose_recommender": "选择推荐单位",
    "application.submit": "提交申报书",
    "application.withdraw": "撤回申报书",
    "application.accept": "受理申报书",
    "application.return": "退回修改",
    # recommendation
    "ranking.add": "加入推荐名单",
    "ranking.move": "调整排名",
    "ranking.remove": "移出推荐名单",
    "ranking.reorder": "拖动排序",
    "recommendation.submit": "报送推荐汇总表",
    "recommendation.unlock": "解锁推荐名单",
    # review
    "expert.create": "添加专家",
    "expert.update": "修改专家信息",
    "expert.declare_conflict": "登记利益冲突",
    "review.assign": "分配专家",
    "review.auto_assign": "自动分配专家",
    "review.score_save": "保存评分草稿",
    "review.score_submit": "提交评分",
    "review.site_visit": "记录实地考察",
    "review.decide": "评审决定",
    "review.decide_many": "批量评审决定",
    "review.publish": "发布示范单位名单",
    # re-review
    "rereview.open": "启动定期复核",
    "rereview.answers_save": "保存复核自查",
    "rereview.certificate_add": "复核添加证书",
    "rereview.certificate_remove": "复核删除证书",
    "rereview.submit": "提交复核材料",
    "rereview.conclude": "复核结论",
    "rereview.rectify": "责令限期整改",
    "rereview.rectification_report": "提交整改报告",
    "rereview.on_site_check": "记录复核现场检查",
    # notifications
    "outbox.gave_up": "邮件发送放弃",
}

OBJECT_LABELS = {
    "Application": "申报书",
    "User": "账号",
    "Organisation": "单位",
    "Enterprise": "企业",
    "Campaign": "批次",
    "Recommendation": "推荐名单",
    "ExpertProfile": "专家",
    "ReReviewRound": "复核批次",
    "ReReview": "复核",
    "OutboxMessage": "邮件",
    "CodeClaim": "代码申诉",
}

DETAIL_LABELS = {
    "fields": "字段",
    "answered": "已作答项数",
    "attachment_id": "附件编号",
    "certification_id": "证书编号（内部）",
    "number": "证书编号",
    "kind": "类型",
    "recommender_id": "推荐单位编号",
    "version": "版本",
    "reason": "理由",
    "scale": "规模",
    "rank": "排名",
    "order": "顺序（申报书编号）",
    "ranked": "推荐名单",
    "until": "截至",
    "role": "角色",
    "username": "登录名",
    "from": "原",
    "to": "新",
    "name": "名称",
    "region": "地区",
    "lead_department": "牵头部门",
    "organisation": "单位",
    "expert_id": "专家编号",
    "assignment_id": "评审任务编号",
    "per_candidate": "每家专家数",
    "added": "新增分配",
    "visited_on": "考察日期",
    "team": "考察组",
    "outcome": "结论",
    "previous": "原决定",
    "selected": "入选数",
    "candidates": "候选数",
    "units": "单位数",
    "sampled": "抽中现场检查",
    "rate": "抽取比例（%）",
    "seed": "随机种子",
    "deadline": "整改期限（UTC）",
    "required": "整改要求",
    "passed": "检查合格",
    "criteria": "评分项",
    "attempts": "尝试次数",
    "error": "错误",
    "purpose": "用途",
    "second_factor": "第二步验证",
    "step": "步骤",
    "uscc": "统一社会信用代码",
    "enterprise_name": "企业名称",
    "claim_id": "申诉编号",
    "user_id": "账号编号",
    "import": "所属导入（日志编号）",
    "row": "行号",
    "changes": "内容（原 → 新）",
    "file": "文件",
    "create": "新增",
    "update": "更新",
    "unchanged": "未变",
    # a campaign's fields (campaign.create / campaign.update); times as stored, in UTC
    "year": "年度",
    "opens_at": "申报开始（UTC）",
    "closes_at": "申报截止（UTC）",
    "recommend_deadline": "推荐报送截止（UTC）",
    "scoring_deadline": "专家评分截止（UTC）",
    "quota_large": "大型企业名额",
    "quota_sme": "中小型企业名额",
    "large_min_employees": "大型企业从业人员下限",
    "large_min_revenue": "大型企业营业收入下限（万元）",
    "rereview_sample_rate": "复核现场检查抽取比例（%）",
    "rereview_pass_threshold": "保持率阈值（%）",
    "rereview_raised_rate": "提高后的抽取比例（%）",
}


def _value_labels() -> dict[str, str]:
    """Codes stored in details (scales, outcomes, roles, kinds…) → their Chinese labels."""
    from portal.accounts.models import OrganisationKind, Role
    from portal.applications.completeness import LABELS as FIELD_LABELS
    from portal.applications.models import AttachmentKind
    from portal.campaigns.models import Scale
    from portal.rereview.models import ReReviewOutcome
    from portal.review.models import DecisionOutcome

    labels = {}
    for enum in (Scale, DecisionOutcome, ReReviewOutcome, Role, OrganisationKind, AttachmentKind):
        labels |= {member.value: member.label for member in enum}
    # Field names of the application (application.save lists the fields saved) are codes too.
    from portal.imports.kinds import KINDS

    labels |= {code: kind.label for code, kind in KINDS.items()}
    return FIELD_LABELS | labels | {"invite": "账号开通", "reset": "重设密码", "2fa": "两步验证"}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def object_label(object_type: str | None) -> str:
    return OBJECT_LABELS.get(object_type, object_type or "") if object_type else ""


# Keys whose values are codes (a scale, an outcome, a role, a kind, field names…); other text stays as typed.
CODED_KEYS = {"scale", "outcome", "previous", "role", "from", "to", "kind", "purpose", "step", "fields"}


def _value(value, codes: dict[str, str], coded: bool) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(_value(item, codes, coded) for item in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)} {_value(v, codes, k in CODED_KEYS)}" for k, v in value.items())
    if isinstance(value, (date, datetime)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, str) and coded:
        return codes.get(value, value)
    return str(value)


def describe_detail(detail) -> str:
    """``{"scale": "large", "rank": 2}`` → ``规模：大型；排名：2``; other values as text."""
    if detail is None:
        return ""
    codes = _value_labels()
    if isinstance(detail, dict):
        return "；".join(
            f"{DETAIL_LABELS.get(key, key)}：{_value(value, codes, key in CODED_KEYS)}" for key, value in detail.items()
        )
    return _value(detail, codes, False)
