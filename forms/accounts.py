"""Registration, login and password forms."""

from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from forms.base import PortalForm
from forms.fields import mobile_field
from portal.accounts.services import PASSWORD_HINT, password_problem, uscc_taken, user_password_inputs
from portal.accounts.uscc import uscc_error


def _strong_password(form, field):
    """Long enough and hard to guess, also for someone who knows the user's name, organisation and code."""
    if isinstance(form, RegistrationForm):
        inputs = [form.name.data, form.uscc.data, form.contact_name.data, form.mobile.data, form.email.data]
    elif current_user.is_authenticated:
        inputs = user_password_inputs(current_user)
    else:
        inputs = []  # a password link: the service checks against the link's user
    problem = password_problem(field.data or "", inputs)
    if problem:
        raise ValidationError(problem)


class RegistrationForm(PortalForm):
    name = StringField("单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=120)])
    uscc = StringField(
        "统一社会信用代码",
        validators=[DataRequired("请填写统一社会信用代码。")],
        description="18 位，见营业执照；注册后作为登录账号。",
    )
    contact_name = StringField("联系人", validators=[DataRequired("请填写联系人。"), Length(max=40)])
    mobile = mobile_field()
    email = EmailField(
        "邮箱", validators=[DataRequired("请填写邮箱。"), Email("邮箱格式不正确。", check_deliverability=False)]
    )
    password = PasswordField(
        "密码",
        validators=[DataRequired("请设置密码。"), _strong_password],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "确认密码", validators=[DataRequired("请再次输入密码。"), EqualTo("password", "两次输入的密码不一致。")]
    )

    def validate_uscc(self, field):
        error = uscc_error(field.data)
        if error:
            raise ValidationError(error)
        if uscc_taken(field.data):
            raise ValidationError("该统一社会信用代码已注册，请直接登录。")


class LoginForm(PortalForm):
    username = StringField(
        "账号", validators=[DataRequired("请填写账号。")], description="企业填写统一社会信用代码；管理部门填写用户名。"
    )
    password = PasswordField("密码", validators=[DataRequired("请填写密码。")])


class SetPasswordForm(PortalForm):
    """Setting a password from an invitation or reset link."""

    new = PasswordField(
        "新密码",
        validators=[DataRequired("请设置新密码。"), _strong_password],
        description=PASSWORD_HINT,
    )
    confirm = PasswordField(
        "确认新密码", validators=[DataRequired("请再次输入新密码。"), EqualTo("new", "两次输入的密码不一致。")]
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("当前密码", validators=[DataRequired("请填写当前密码。")])


class TwoFactorCodeForm(PortalForm):
    code = StringField(
        "验证码",
        validators=[DataRequired("请填写验证码。"), Length(max=40)],
        description="验证器中显示的 6 位数字；手机不在身边时，可填写一个恢复码。",
    )


class CodeClaimForm(PortalForm):
    """An enterprise whose 统一社会信用代码 someone else registered asks for it back."""

    uscc = StringField("统一社会信用代码", validators=[DataRequired("请填写统一社会信用代码。"), Length(max=40)])
    enterprise_name = StringField(
        "单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=120)], description="与营业执照一致。"
    )
    contact_name = StringField("联系人", validators=[DataRequired("请填写联系人。"), Length(max=40)])
    mobile = mobile_field()
    email = EmailField(
        "邮箱",
        validators=[DataRequired("请填写邮箱。"), Email("邮箱格式不正确。", check_deliverability=False)],
        description="核实通过后，设置密码的链接发送到此邮箱。",
    )
    statement = TextAreaField(
        "情况说明",
        validators=[DataRequired("请说明情况。"), Length(min=5, max=1000, message="情况说明应为 5–1000 字。")],
        description="例如：本单位从未在平台注册，发现代码已被注册。",
    )
    licence = FileField("营业执照", description="PDF、JPG 或 PNG，须清晰显示单位名称和统一社会信用代码。")

    def validate_uscc(self, field):
        error = uscc_error(field.data)
        if error:
            raise ValidationError(error)
