from candor.core.models import Component


def test_any_lookup_matches_like_in(page, make_component):
    a, b, _ = (make_component(name) for name in ("API", "Web", "Mail"))

    assert set(Component.objects.filter(pk__any=[a.pk, b.pk])) == {a, b}
    assert set(Component.objects.filter(page__any=[page.pk])) == set(Component.objects.all())
    assert list(Component.objects.filter(pk__any=[])) == []
    assert Component.objects.filter(pk__any={a.pk}).update(name="API v2") == 1
