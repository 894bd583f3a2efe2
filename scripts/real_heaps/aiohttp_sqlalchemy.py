"""Real heap: an aiohttp server backed by SQLAlchemy (ORM, in-memory sqlite),
and an aiohttp client in the same process sending it a few hundred requests.

Requests of every kind: reads of users and their posts (joins, relationship
loading), JSON posts that insert, updates, a route that raises (a 500 with a
logged traceback), 404s, a streamed response and a keep-alive session plus a
few one-shot sessions. The first half runs with the collector on; then the
collector is turned off and the second half runs, so the garbage that serving
leaves (exceptions and their tracebacks, ORM states, request objects in
cycles) stays. The server, its app, engine and database stay up, waiting.
Truth and waiting as in truth.py.
"""
import asyncio
import gc
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import truth  # noqa: E402

from aiohttp import ClientSession, web  # noqa: E402
from sqlalchemy import Column, ForeignKey, Integer, String, Text, create_engine, func, select  # noqa: E402
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

REQUESTS = int(os.environ.get("REAL_HEAPS_REQUESTS", "400"))

logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String(64), nullable=False, index=True)
    email = Column(String(128))
    posts = relationship("Post", back_populates="author", cascade="all, delete-orphan")


class Post(Base):
    __tablename__ = "posts"
    id = Column(Integer, primary_key=True)
    author_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    title = Column(String(200))
    body = Column(Text)
    author = relationship("User", back_populates="posts")


engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
Base.metadata.create_all(engine)


def user_doc(user, with_posts=False):
    doc = {"id": user.id, "name": user.name, "email": user.email}
    if with_posts:
        doc["posts"] = [{"id": p.id, "title": p.title, "words": len((p.body or "").split())} for p in user.posts]
    return doc


async def list_users(request):
    limit = int(request.query.get("limit", "20"))
    with Session(engine) as session:
        rows = session.execute(
            select(User, func.count(Post.id)).outerjoin(Post).group_by(User.id).order_by(User.id).limit(limit))
        return web.json_response([dict(user_doc(u), posts=n) for u, n in rows])


async def get_user(request):
    with Session(engine) as session:
        user = session.execute(select(User).options(selectinload(User.posts))
                               .where(User.id == int(request.match_info["id"]))).scalar_one_or_none()
        if user is None:
            raise web.HTTPNotFound(text="no such user")
        return web.json_response(user_doc(user, with_posts=True))


async def create_user(request):
    data = await request.json()
    with Session(engine) as session, session.begin():
        user = User(name=data["name"], email=data.get("email"))
        session.add(user)
        session.flush()
        return web.json_response(user_doc(user), status=201)


async def create_post(request):
    data = await request.json()
    with Session(engine) as session, session.begin():
        user = session.get(User, int(request.match_info["id"]))
        if user is None:
            raise web.HTTPNotFound()
        post = Post(title=data["title"], body=data["body"], author=user)
        session.add(post)
        session.flush()
        return web.json_response({"id": post.id, "author": user.name}, status=201)


async def rename_user(request):
    data = await request.json()
    with Session(engine) as session, session.begin():
        user = session.get(User, int(request.match_info["id"]))
        user.name = data["name"]
        return web.json_response(user_doc(user))


async def broken(request):
    with Session(engine) as session:
        session.execute(select(User).where(User.id < 0)).all()
        raise RuntimeError("handler failed for %s" % request.path)


async def stream(request):
    response = web.StreamResponse()
    await response.prepare(request)
    with Session(engine) as session:
        for post in session.execute(select(Post).order_by(Post.id).limit(50)).scalars():
            await response.write(("%d %s\n" % (post.id, post.title)).encode())
    await response.write_eof()
    return response


@web.middleware
async def timing(request, handler):
    request["started"] = asyncio.get_running_loop().time()
    response = await handler(request)
    response.headers["X-Elapsed"] = "%.6f" % (asyncio.get_running_loop().time() - request["started"])
    return response


def make_app():
    app = web.Application(middlewares=[timing])
    app.add_routes([
        web.get("/users", list_users),
        web.get("/users/{id}", get_user),
        web.post("/users", create_user),
        web.post("/users/{id}/posts", create_post),
        web.put("/users/{id}", rename_user),
        web.get("/broken", broken),
        web.get("/stream", stream),
    ])
    return app


async def client_requests(base, start, count, session):
    """count requests of a fixed mix; ids from start on."""
    statuses = {}
    for i in range(start, start + count):
        kind = i % 8
        if kind == 0:
            r = await session.post(base + "/users", json={"name": "user%d" % i, "email": "u%d@mail.test" % i})
        elif kind in (1, 2):
            r = await session.post(base + "/users/%d/posts" % (i // 8 + 1),
                                   json={"title": "post %d" % i, "body": " ".join(["word"] * (i % 40))})
        elif kind == 3:
            r = await session.get(base + "/users", params={"limit": str(10 + i % 30)})
        elif kind == 4:
            r = await session.get(base + "/users/%d" % (i // 8 + 1))
        elif kind == 5:
            r = await session.get(base + "/users/%d" % (100000 + i))  # 404
        elif kind == 6:
            r = await session.put(base + "/users/%d" % (i // 8 + 1), json={"name": "renamed%d" % i})
        else:
            r = await session.get(base + ("/broken" if i % 16 == 7 else "/stream"))
        await r.read()
        statuses[r.status] = statuses.get(r.status, 0) + 1
        r.release()
    # a few one-shot sessions, as a script would make them
    for j in range(3):
        async with ClientSession() as once:
            async with once.get(base + "/users/1") as r:
                await r.json()
    return statuses


async def main(state):
    runner = web.AppRunner(make_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = "http://127.0.0.1:%d" % port
    state["runner"], state["site"] = runner, site
    half = REQUESTS // 2
    async with ClientSession() as session:
        statuses = await client_requests(base, 0, half, session)
        gc.collect()
        gc.disable()
        for status, n in (await client_requests(base, half, REQUESTS - half, session)).items():
            statuses[status] = statuses.get(status, 0) + n
    state["statuses"] = statuses


STATE = {}
LOOP = asyncio.new_event_loop()
asyncio.set_event_loop(LOOP)
LOOP.run_until_complete(main(STATE))

truth.serve("aiohttp", requests=REQUESTS, statuses={str(k): v for k, v in sorted(STATE["statuses"].items())})
