"""Member-facing strings of the Discord and Telegram adapters."""

MESSAGES: dict[str, dict[str, str]] = {
    "platform.dm_fallback.telegram": {
        "en": "{mention}, I couldn't message you privately — please start a chat with me "
        "first: {link}",
        "zh": "{mention}，我无法私信你——请先点击这里和我开始对话：{link}",
    },
    "platform.dm_fallback.discord": {
        "en": "{mention}, I couldn't message you privately — please allow direct messages "
        "from server members (Privacy Settings) and try again.",
        "zh": "{mention}，我无法私信你——请在隐私设置中允许来自服务器成员的私信，然后再试一次。",
    },
    "platform.you": {"en": "Hi", "zh": "你好"},
    "platform.done": {"en": "Done.", "zh": "已完成。"},
    "platform.command.args": {
        "en": "Options for the command (optional)",
        "zh": "命令参数（可选）",
    },
    "platform.command.fallback_description": {
        "en": "Run /{name}",
        "zh": "运行 /{name}",
    },
    "platform.group.mod": {"en": "Moderator commands", "zh": "版主命令"},
    "platform.group.admin": {"en": "Admin commands", "zh": "管理员命令"},
    "platform.group.expert": {"en": "Expert commands", "zh": "专家命令"},
    "platform.button_expired": {
        "en": "This button no longer works; please use the command instead.",
        "zh": "此按钮已失效，请改用命令。",
    },
}
