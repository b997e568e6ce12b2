"""Member- and moderator-facing safety notices (line-1 filters, strikes)."""

MESSAGES: dict[str, dict[str, str]] = {
    "safety.held": {
        "en": "Your message was held for review by the moderators. It will appear if approved.",
        "zh": "你的消息已提交版主审核，通过后会显示。",
    },
    "safety.deleted": {
        "en": "Your message was removed: {reason}.",
        "zh": "你的消息已被删除：{reason}。",
    },
    "safety.warned": {
        "en": "Warning: {reason}. This is strike {count} of {max}.",
        "zh": "警告：{reason}。这是第 {count} 次警告（共 {max} 次）。",
    },
    "safety.timed_out": {
        "en": "You have been timed out for {duration}: {reason}. (Strike {count} of {max}.)",
        "zh": "你已被禁言 {duration}：{reason}。（第 {count} 次警告，共 {max} 次。）",
    },
    "safety.banned": {
        "en": "You have been banned from {community}: {reason}.",
        "zh": "你已被移出 {community}：{reason}。",
    },
    "safety.strike_expired": {
        "en": "One of your strikes has expired. Active strikes: {count} of {max}.",
        "zh": "你的一次警告已过期。当前有效警告：{count} 次（共 {max} 次）。",
    },
    "safety.dry_run_notice": {
        "en": "[dry run] {rule} would have done: {action} (message {message_id}).",
        "zh": "[试运行] 规则 {rule} 本应执行：{action}（消息 {message_id}）。",
    },
    "safety.mod_notice": {
        "en": "{action} on a message by {member} in {channel}: {rules}.",
        "zh": "{member} 在 {channel} 的消息被执行 {action}：{rules}。",
    },
    "safety.reason.keyword": {
        "en": "it contains a blocked word or phrase",
        "zh": "包含被屏蔽的词语",
    },
    "safety.reason.regex": {
        "en": "it matches a blocked pattern",
        "zh": "匹配了被屏蔽的内容格式",
    },
    "safety.reason.links": {
        "en": "links to that site are not allowed here",
        "zh": "本社区不允许发布该网站的链接",
    },
    "safety.reason.invites": {
        "en": "invites to other servers or groups are not allowed here",
        "zh": "本社区不允许发布其他服务器或群组的邀请链接",
    },
    "safety.reason.mentions": {
        "en": "too many mentions in one message",
        "zh": "一条消息中提及的人过多",
    },
    "safety.reason.caps": {
        "en": "please don't write in all capitals",
        "zh": "请不要全部使用大写字母",
    },
    "safety.reason.repeated": {
        "en": "too many repeated characters",
        "zh": "重复字符过多",
    },
    "safety.reason.flood": {
        "en": "too many messages in a short time",
        "zh": "短时间内发送消息过多",
    },
    "safety.reason.duplicates": {
        "en": "the same message was posted in several channels",
        "zh": "同一条消息被发到了多个频道",
    },
    "safety.reason.newcomer": {
        "en": "new members can't post links or mass mentions yet",
        "zh": "新成员暂时不能发布链接或大量提及他人",
    },
    "safety.reason.spam": {
        "en": "it looks like spam",
        "zh": "疑似垃圾信息",
    },
    "safety.reason.category": {
        "en": "it may break the community rules ({category})",
        "zh": "可能违反社区规则（{category}）",
    },
    "safety.category.self_harm": {"en": "self-harm", "zh": "自我伤害"},
    "safety.category.medical_claims": {"en": "medical claims", "zh": "医疗声明"},
    "safety.category.financial_promises": {
        "en": "financial or investment promises",
        "zh": "金融或投资承诺",
    },
    "safety.category.scams": {"en": "scams", "zh": "诈骗"},
    "safety.category.hate": {"en": "hate", "zh": "仇恨言论"},
    "safety.category.harassment": {"en": "harassment", "zh": "骚扰"},
    "safety.category.sexual_content": {"en": "sexual content", "zh": "色情内容"},
    "safety.category.violence_threats": {"en": "violence or threats", "zh": "暴力或威胁"},
    "safety.category.personal_data": {"en": "personal data", "zh": "个人信息"},
    "safety.category.extremism": {"en": "extremism", "zh": "极端主义"},
    "safety.category.illegal_goods": {"en": "illegal goods", "zh": "违禁物品"},
    "safety.category.misinformation": {"en": "misinformation", "zh": "虚假信息"},
}
