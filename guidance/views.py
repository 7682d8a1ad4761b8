"""Guidance library views: readable without signing in, no database except for search."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from guidance import search as search_service
from guidance.content import FAQ_SLUG, FLOWCHART_SLUG, get_library
from guidance.diagram import build_diagram, layout


@require_safe
def index(request):
    library = get_library()
    return render(
        request,
        "guidance/index.html",
        {
            "pages": library.pages,
            "faq": library.get(FAQ_SLUG),
            "flowchart": library.get(FLOWCHART_SLUG),
        },
    )


@require_safe
def search(request):
    library = get_library()
    query = search_service.clean_query(request.GET.get("q"))
    results = search_service.search(query, library)
    return render(
        request,
        "guidance/search.html",
        {"query": query, "results": results, "searched": "q" in request.GET},
    )


@require_safe
def page(request, slug):
    library = get_library()
    guidance_page = library.get(slug)
    if guidance_page is None:
        raise Http404("No such guidance page")
    context = {"page": guidance_page, "is_faq": slug == FAQ_SLUG}
    if slug == FLOWCHART_SLUG:
        diagram = build_diagram()
        context.update(diagram=diagram, diagram_layout=layout(diagram))
    return render(request, "guidance/page.html", context)
