from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self):
        from opportunities.history import refresh_furthest_stages
        from salescycles.signals import stages_renumbered

        def furthest_stages_again(sender, *, cycle, **kwargs):
            refresh_furthest_stages(cycle=cycle)

        # weak=False: the receiver is this local function, referenced nowhere else.
        stages_renumbered.connect(
            furthest_stages_again,
            weak=False,
            dispatch_uid="opportunities.furthest_stages",
        )
