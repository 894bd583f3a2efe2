/* A C extension type like third-party ones refscope cannot decode: its
 * instances hold object references in their body (first, second), as a
 * tagged word like mypyc's CPyTagged (tagged: an int's address plus one)
 * and in a separately allocated array (items), and its tp_traverse visits
 * them all.
 * And a str subclass like lxml's _ElementUnicodeResult (Text): its str part
 * keeps its characters in a separate buffer, and holds one object (owner).
 * Built by tests/programs/thirdparty_target.py against the headers of the
 * interpreter under test. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
	PyObject_HEAD
	PyObject *first;
	PyObject *second;
	uintptr_t tagged;
	Py_ssize_t n_items;
	PyObject **items;
} HolderObject;

static int holder_traverse(HolderObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->first);
	Py_VISIT(self->second);
	if (self->tagged & 1)
		Py_VISIT((PyObject *)(self->tagged - 1));
	for (Py_ssize_t i = 0; i < self->n_items; i++)
		Py_VISIT(self->items[i]);
	return 0;
}

static int holder_clear(HolderObject *self)
{
	Py_CLEAR(self->first);
	Py_CLEAR(self->second);
	if (self->tagged & 1) {
		PyObject *boxed = (PyObject *)(self->tagged - 1);
		self->tagged = 0;
		Py_DECREF(boxed);
	}
	for (Py_ssize_t i = 0; i < self->n_items; i++)
		Py_CLEAR(self->items[i]);
	return 0;
}

static void holder_dealloc(HolderObject *self)
{
	PyObject_GC_UnTrack(self);
	holder_clear(self);
	free(self->items);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Holder(n): n empty item slots, in a malloc'd array. */
static PyObject *holder_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	Py_ssize_t n = 0;
	if (!PyArg_ParseTuple(args, "|n", &n) || n < 0)
		return NULL;
	HolderObject *self = (HolderObject *)type->tp_alloc(type, 0);
	if (!self)
		return NULL;
	self->items = calloc((size_t)n + 1, sizeof(PyObject *));
	if (!self->items) {
		Py_DECREF(self);
		return PyErr_NoMemory();
	}
	self->n_items = n;
	return (PyObject *)self;
}

/* h.put(i, obj): items[i] = obj (-1: first, -2: second). */
static PyObject *holder_put(HolderObject *self, PyObject *args)
{
	Py_ssize_t i;
	PyObject *obj, **slot;
	if (!PyArg_ParseTuple(args, "nO", &i, &obj))
		return NULL;
	if (i == -1)
		slot = &self->first;
	else if (i == -2)
		slot = &self->second;
	else if (i >= 0 && i < self->n_items)
		slot = &self->items[i];
	else
		return PyErr_Format(PyExc_IndexError, "no slot %zd", i);
	Py_INCREF(obj);
	Py_XSETREF(*slot, obj);
	Py_RETURN_NONE;
}

/* h.put_tagged(i): the int i kept as mypyc keeps one too big for a
 * tagged value: its address plus one. */
static PyObject *holder_put_tagged(HolderObject *self, PyObject *obj)
{
	if (!PyLong_CheckExact(obj))
		return PyErr_Format(PyExc_TypeError, "an int is needed");
	if (self->tagged & 1)
		Py_DECREF((PyObject *)(self->tagged - 1));
	Py_INCREF(obj);
	self->tagged = (uintptr_t)obj | 1;
	Py_RETURN_NONE;
}

static PyMethodDef holder_methods[] = {
	{"put", (PyCFunction)holder_put, METH_VARARGS, NULL},
	{"put_tagged", (PyCFunction)holder_put_tagged, METH_O, NULL},
	{NULL, NULL, 0, NULL},
};

static PyTypeObject HolderType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "thirdparty.Holder",
	.tp_basicsize = sizeof(HolderObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_traverse = (traverseproc)holder_traverse,
	.tp_clear = (inquiry)holder_clear,
	.tp_dealloc = (destructor)holder_dealloc,
	.tp_new = holder_new,
	.tp_methods = holder_methods,
};

typedef struct {
	PyUnicodeObject base; /* not compact: the characters are in a buffer of their own */
	PyObject *owner;
} TextObject;

static int text_traverse(TextObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->owner);
	return 0;
}

static int text_clear(TextObject *self)
{
	Py_CLEAR(self->owner);
	return 0;
}

static void text_dealloc(TextObject *self)
{
	PyObject_GC_UnTrack(self);
	text_clear(self);
	PyUnicode_Type.tp_dealloc((PyObject *)self);
}

/* Text(s, owner): a str equal to s that holds owner. */
static PyObject *text_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
	PyObject *s, *owner;
	if (!PyArg_ParseTuple(args, "UO", &s, &owner))
		return NULL;
	PyObject *str_args = PyTuple_Pack(1, s);
	if (!str_args)
		return NULL;
	TextObject *self = (TextObject *)PyUnicode_Type.tp_new(type, str_args, NULL);
	Py_DECREF(str_args);
	if (!self)
		return NULL;
	Py_INCREF(owner);
	self->owner = owner;
	return (PyObject *)self;
}

/* t.buffer(): the address of its characters. */
static PyObject *text_buffer(TextObject *self, PyObject *unused)
{
	return PyLong_FromVoidPtr(PyUnicode_DATA((PyObject *)self));
}

static PyMethodDef text_methods[] = {
	{"buffer", (PyCFunction)text_buffer, METH_NOARGS, NULL},
	{NULL, NULL, 0, NULL},
};

static PyTypeObject TextType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "thirdparty.Text",
	.tp_basicsize = sizeof(TextObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_traverse = (traverseproc)text_traverse,
	.tp_clear = (inquiry)text_clear,
	.tp_dealloc = (destructor)text_dealloc,
	.tp_new = text_new,
	.tp_methods = text_methods,
	.tp_free = PyObject_GC_Del,
};

static struct PyModuleDef thirdparty_module = {
	PyModuleDef_HEAD_INIT, "thirdparty", NULL, -1, NULL, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_thirdparty(void)
{
	TextType.tp_base = &PyUnicode_Type;
	if (PyType_Ready(&HolderType) < 0 || PyType_Ready(&TextType) < 0)
		return NULL;
	PyObject *m = PyModule_Create(&thirdparty_module);
	if (!m)
		return NULL;
	Py_INCREF(&HolderType);
	if (PyModule_AddObject(m, "Holder", (PyObject *)&HolderType) < 0) {
		Py_DECREF(&HolderType);
		Py_DECREF(m);
		return NULL;
	}
	Py_INCREF(&TextType);
	if (PyModule_AddObject(m, "Text", (PyObject *)&TextType) < 0) {
		Py_DECREF(&TextType);
		Py_DECREF(m);
		return NULL;
	}
	return m;
}
